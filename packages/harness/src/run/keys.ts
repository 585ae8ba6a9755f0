// The config keys, with what each means: shared by config files, presets and `pqtls run` flags.
// Kept free of imports so the CLI can list its flags without loading the TLS stack.

/** Every key a config layer may carry, with what it means (shown by `pqtls run --help` and errors). */
export const CONFIG_KEYS = {
  description: "free text shown in the report",
  engine: "TLS stack at both ends: pqtls, openssl",
  kex: "key exchange groups (crossed with chain), e.g. x25519, X25519MLKEM768",
  chain: "certificate chains (crossed with kex), e.g. rsa2048, mldsa65, rsa2048@16KiB",
  variants: "explicit kex:chain pairs instead of the kex x chain product",
  suite: "cipher suites, e.g. TLS_AES_128_GCM_SHA256",
  resumption:
    "handshake kinds: full, resumed (PSK ticket from a priming connection), 0rtt (the request as early data); rows say it as `resume`",
  hooks:
    "experiment hooks (pqtls engine): none, or ES modules exporting `client`/`server` HandshakeHooks, e.g. none,examples/chain-trimming.hooks.mjs",
  cert_compression:
    "RFC 8879 certificate compression offered by the client and used by the server (pqtls engine): none, zlib, brotli, zstd (zstd needs node:zlib zstd, Node >= 22.15)",
  rtt: "round-trip times, e.g. 35ms (split evenly between directions)",
  jitter: "delay jitter per direction, e.g. 8.75ms",
  jitter_dist: "jitter distribution: uniform, normal, pareto, paretonormal",
  rate: "bottleneck rates, e.g. 1mbit, 1gbit; 0 = unshaped",
  loss: 'loss per direction: 1% (random) or "gemodel P% R% [1-H% [1-K%]]" (Gilbert-Elliott)',
  queue_limit: "link queue limit in packets (netem default 1000)",
  mtu: "MTU of both endpoints",
  initcwnd: "initial congestion (and receive) window in segments",
  cc: "congestion control: cubic, bbr, reno",
  links: "explicit link settings (each a mapping of link keys) instead of the product of the link keys",
  bytes: "response sizes, e.g. 0, 1KiB, 200KiB; 0 = handshake only, no request",
  samples: "recorded connections per cell",
  warmups: "unrecorded connections per cell before the samples",
  seed: "seed for the link's loss/jitter and the sample order",
  lanes: "parallel lanes, each its own link",
  link: "link backend: auto, netem, tun, none (loopback, unshaped)",
  timeout: "limit per connection, e.g. 30s",
} as const;
export type ConfigKey = keyof typeof CONFIG_KEYS;
