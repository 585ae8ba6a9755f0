// One endpoint's TCP/IP settings inside its namespace: sysctls (IPv6 off, congestion control,
// tcp_no_metrics_save, socket buffer maxima), the device (MTU, queue length, offloads off) and the
// route carrying initcwnd/initrwnd — and reading every one of them back as actually in force.
import { readFile, writeFile } from "node:fs/promises";
import { UserError } from "../errors.js";
import { run } from "./exec.js";
import type { EndpointSpec } from "./spec.js";

/** The sysctls set in each lane namespace, with the value wanted for an endpoint spec. */
export function endpointSysctls(e: EndpointSpec): Array<[string, string]> {
  return [
    // Router solicitations and MLD reports would otherwise cross the emulated link.
    ["net.ipv6.conf.all.disable_ipv6", "1"],
    ["net.ipv6.conf.default.disable_ipv6", "1"],
    ["net.ipv4.tcp_congestion_control", e.cc],
    // Otherwise the kernel starts a new connection with cwnd/RTT cached from earlier ones.
    ["net.ipv4.tcp_no_metrics_save", e.noMetricsSave ? "1" : "0"],
    ["net.core.rmem_max", String(e.rmemMax)],
    ["net.core.wmem_max", String(e.wmemMax)],
    ["net.ipv4.tcp_rmem", `4096 131072 ${e.rmemMax}`],
    ["net.ipv4.tcp_wmem", `4096 16384 ${e.wmemMax}`],
  ];
}

/** Keys read back into readState (the ones set, plus context that changes results). */
const STATE_KEYS = [
  "net.ipv6.conf.all.disable_ipv6",
  "net.ipv6.conf.default.disable_ipv6",
  "net.ipv4.tcp_congestion_control",
  "net.ipv4.tcp_no_metrics_save",
  "net.core.rmem_max",
  "net.core.wmem_max",
  "net.ipv4.tcp_rmem",
  "net.ipv4.tcp_wmem",
  "net.ipv4.tcp_timestamps",
  "net.ipv4.tcp_sack",
  "net.ipv4.tcp_window_scaling",
  "net.ipv4.tcp_slow_start_after_idle",
  "net.ipv4.tcp_ecn",
];

const procPath = (key: string) => `/proc/sys/${key.replaceAll(".", "/")}`;

function shellQuote(s: string): string {
  return `'${s.replaceAll("'", `'\\''`)}'`;
}

/** Namespaces may only pick a congestion control that the root namespace allows (else EPERM). */
export async function allowCongestionControl(cc: string): Promise<void> {
  const key = procPath("net.ipv4.tcp_allowed_congestion_control");
  const allowed = (await readFile(key, "utf8")).trim().split(/\s+/);
  if (allowed.includes(cc)) return;
  const available = (await readFile(procPath("net.ipv4.tcp_available_congestion_control"), "utf8")).trim();
  if (!available.split(/\s+/).includes(cc)) {
    // Loading the module (tcp_<cc>) happens on first use by root; try it via the root default's neighbour.
    throw new Error(`congestion control ${cc} is not available in this kernel (available: ${available})`);
  }
  await writeFile(key, [...allowed, cc].join(" "));
}

/** Applies the sysctls inside `ns` in one process (one `ip netns exec` per namespace, not one per key). */
export async function applySysctls(ns: string, e: EndpointSpec): Promise<void> {
  await allowCongestionControl(e.cc);
  await raiseRootBufferMaxima(e);
  const script = endpointSysctls(e)
    .map(([k, v]) => {
      const file = procPath(k);
      // net.core.*mem_max is read-only in child namespaces on some kernels (it follows the root's value).
      if (k.startsWith("net.core.")) return `(printf '%s' ${shellQuote(v)} > ${file}) 2>/dev/null`;
      return `printf '%s' ${shellQuote(v)} > ${file} || { echo "cannot set ${k}" >&2; exit 1; }`;
    })
    .join("\n");
  await run(["ip", "netns", "exec", ns, "sh", "-c", script]);
}

/** Raises (never lowers) the root namespace's net.core.{r,w}mem_max: child namespaces may only follow it. */
export async function raiseRootBufferMaxima(e: EndpointSpec): Promise<void> {
  for (const [key, want] of [
    ["net.core.rmem_max", e.rmemMax],
    ["net.core.wmem_max", e.wmemMax],
  ] as const) {
    const have = Number((await readFile(procPath(key), "utf8")).trim());
    if (have < want) await writeFile(procPath(key), String(want));
  }
}

export async function readSysctls(ns: string | null): Promise<Record<string, string>> {
  const script = STATE_KEYS.map((k) => `printf '%s=%s\\n' ${k} "$(cat ${procPath(k)} 2>/dev/null)"`).join(
    "\n",
  );
  const argv = ns ? ["ip", "netns", "exec", ns, "sh", "-c", script] : ["sh", "-c", script];
  const { stdout } = await run(argv);
  const out: Record<string, string> = {};
  for (const line of stdout.split("\n")) {
    const i = line.indexOf("=");
    if (i > 0) out[line.slice(0, i)] = line.slice(i + 1).replace(/\s+/g, " ");
  }
  return out;
}

export async function hasEthtool(): Promise<boolean> {
  return (await run(["ethtool", "--version"], { allowFail: true }).catch(() => ({ code: 1 }))).code === 0;
}

/** Turns segmentation/receive offloads off, so loss and rate act on MTU-sized packets (not 64 KB super-packets). */
export async function offloadsOff(ns: string, dev: string, required: boolean): Promise<void> {
  if (!(await hasEthtool())) {
    // TUN devices start with them off; a veth starts with them on and must not stay so.
    if (required)
      throw new UserError(`turning offloads off on ${dev} needs ethtool: apt-get install ethtool`);
    return;
  }
  // Features a device cannot change are reported "[fixed]" and make ethtool exit non-zero: read back instead.
  await run(["ip", "netns", "exec", ns, "ethtool", "-K", dev, "tso", "off", "gso", "off", "gro", "off"], {
    allowFail: true,
  });
}

export async function readOffloads(ns: string, dev: string): Promise<Record<string, string> | string> {
  if (!(await hasEthtool())) return "unknown (ethtool not installed)";
  const { stdout } = await run(["ip", "netns", "exec", ns, "ethtool", "-k", dev], { allowFail: true });
  const wanted = [
    "tcp-segmentation-offload",
    "generic-segmentation-offload",
    "generic-receive-offload",
    "large-receive-offload",
    "tx-checksumming",
    "rx-checksumming",
  ];
  const out: Record<string, string> = {};
  for (const line of stdout.split("\n")) {
    const m = /^([a-z-]+):\s+(.*)$/.exec(line.trim());
    if (m && wanted.includes(m[1])) out[m[1]] = m[2];
  }
  return out;
}

/** Device state as the kernel reports it (ip -j -d -s link). */
export async function readDevice(ns: string, dev: string): Promise<Record<string, unknown>> {
  const { stdout } = await run(["ip", "-n", ns, "-j", "-s", "-d", "link", "show", "dev", dev]);
  const link = JSON.parse(stdout)[0] ?? {};
  return {
    name: link.ifname,
    mtu: link.mtu,
    txqlen: link.txqlen,
    operstate: link.operstate,
    flags: link.flags,
    qdisc: link.qdisc,
    kind: link.linkinfo?.info_kind ?? null,
    stats: link.stats64 ?? link.stats ?? null,
  };
}

/** Kernel drop counters of a device: tx (kernel → reader, e.g. TUN ring full) and rx. */
export async function deviceDrops(
  ns: string,
  dev: string,
): Promise<{ txDropped: number; rxDropped: number }> {
  const { stdout } = await run(["ip", "-n", ns, "-j", "-s", "link", "show", "dev", dev], { allowFail: true });
  try {
    const s = JSON.parse(stdout)[0]?.stats64 ?? {};
    return { txDropped: Number(s.tx?.dropped ?? 0), rxDropped: Number(s.rx?.dropped ?? 0) };
  } catch {
    return { txDropped: Number.NaN, rxDropped: Number.NaN };
  }
}

/** The lane's connected route, replaced to carry initcwnd/initrwnd (re-applied whenever the device is recreated). */
export function routeArgs(ns: string, dev: string, prefix: string, src: string, e: EndpointSpec): string[] {
  return [
    "ip",
    "-n",
    ns,
    "route",
    "replace",
    prefix,
    "dev",
    dev,
    "proto",
    "kernel",
    "scope",
    "link",
    "src",
    src,
    "initcwnd",
    String(e.initcwnd),
    "initrwnd",
    String(e.initrwnd),
  ];
}

export async function readRoutes(ns: string): Promise<string[]> {
  const { stdout } = await run(["ip", "-n", ns, "route", "show"]);
  return stdout.split("\n").filter(Boolean);
}

/** Root-namespace values the lane depends on. */
export async function readRootState(): Promise<Record<string, string>> {
  const keys = [
    "net.ipv4.tcp_allowed_congestion_control",
    "net.ipv4.tcp_available_congestion_control",
    "net.ipv4.tcp_congestion_control",
  ];
  const out: Record<string, string> = {};
  for (const k of keys) out[k] = (await readFile(procPath(k), "utf8").catch(() => "")).trim();
  return out;
}
