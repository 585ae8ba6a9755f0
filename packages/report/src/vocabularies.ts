// The values some dimensions take, named once: the config reads them, rows carry them, and the
// link layer (the harness's net/spec.ts) checks its parameters against the same lists.

export const ENGINES = ["pqtls", "openssl"] as const;
export type EngineName = (typeof ENGINES)[number];
/** How each measured connection starts: a full handshake, or resuming a ticket primed beforehand (1-RTT or 0-RTT). */
export const RESUME_MODES = ["full", "resumed", "0rtt"] as const;
export type ResumeMode = (typeof RESUME_MODES)[number];
/** RFC 8879 certificate compression per cell: none, or the one algorithm both ends use. */
export const CERT_COMPRESSIONS = ["none", "zlib", "brotli", "zstd"] as const;
export type CertCompression = (typeof CERT_COMPRESSIONS)[number];
/** netem's delay distributions (the TUN relay draws from the same tables). */
export const JITTER_DISTS = ["uniform", "normal", "pareto", "paretonormal"] as const;
export type JitterDistName = (typeof JITTER_DISTS)[number];
export const CONGESTION_CONTROLS = ["cubic", "bbr", "reno"] as const;
export type CcName = (typeof CONGESTION_CONTROLS)[number];
/**
 * Chain-size trimming per cell (issue 20): none, Suppress CA certificates, Trust Anchor IDs, abridged
 * certificate compression, RFC 8879 compression with one algorithm, or a size model (`*-model`: a
 * chain whose certificate message has the size a draft defines, carried by today's handshake).
 */
export const CHAIN_REDUCTIONS = [
  "none",
  "suppress-ca",
  "trust-anchor-ids",
  "abridged",
  "zlib",
  "brotli",
  "zstd",
  "mtc-model",
  "authkem-model",
] as const;
export type ChainReduction = (typeof CHAIN_REDUCTIONS)[number];
/** The chain_reduction values that are a certificate compression algorithm (the name the handshake reports). */
export const COMPRESSING_CHAIN_REDUCTIONS: readonly ChainReduction[] = ["abridged", "zlib", "brotli", "zstd"];
/**
 * The chain_reduction values that are size models, not mechanisms: the server sends a chain of the
 * model's size (Merkle Tree Certificate, KEM-based authentication); the draft's flow changes are not modelled.
 */
export const MODEL_CHAIN_REDUCTIONS: readonly ChainReduction[] = ["mtc-model", "authkem-model"];
/** Which CA certificates the client holds before a measured connection: none, cached by a warm-up connection, preloaded. */
export const CLIENT_KNOWLEDGE = ["none", "cached", "preloaded"] as const;
export type ClientKnowledge = (typeof CLIENT_KNOWLEDGE)[number];
