// What this machine can do: root, network namespaces, TUN, kernel netem, congestion controls, a C
// compiler, the built relay, the measurement tools. `pqtls doctor` prints it; openLane uses it for "auto".
import { constants } from "node:fs";
import { access, readFile } from "node:fs/promises";
import { UserError } from "../errors.js";
import { run } from "./exec.js";
import { relayBuilt, relayPath } from "./relay.js";
import type { Backend } from "./spec.js";

export interface Probe {
  ok: boolean;
  detail: string;
  fix?: string;
}

async function tool(argv: string[]): Promise<boolean> {
  return run(argv, { allowFail: true, timeoutMs: 5000 })
    .then((r) => r.code === 0)
    .catch(() => false);
}

export function isRoot(): boolean {
  return process.getuid?.() === 0;
}

let netemCache: Promise<Probe> | null = null;
let netemSeedSupported = false;

/** Whether netem takes `seed` here (known after probeNetem()). */
export function netemTakesSeed(): boolean {
  return netemSeedSupported;
}

/**
 * Kernel netem, probed in a throwaway namespace: `tc qdisc add dev lo root netem delay 1ms` fails with
 * "Specified qdisc kind is unknown" where sch_netem is missing.
 */
export function probeNetem(): Promise<Probe> {
  netemCache ??= (async (): Promise<Probe> => {
    if (!isRoot()) return { ok: false, detail: "cannot probe netem without root", fix: "run as root" };
    if (!(await tool(["tc", "-V"])))
      return { ok: false, detail: "tc not found", fix: "apt-get install iproute2" };
    const ns = `pqtls-probe-${process.pid}`;
    try {
      await run(["ip", "netns", "add", ns]);
      const r = await run(["tc", "-n", ns, "qdisc", "add", "dev", "lo", "root", "netem", "delay", "1ms"], {
        allowFail: true,
      });
      if (r.code === 0) {
        // `seed` (reproducible loss/jitter) needs Linux and iproute2 >= 6.3; older ones refuse the keyword.
        const seeded = await run(
          ["tc", "-n", ns, "qdisc", "change", "dev", "lo", "root", "netem", "delay", "1ms", "seed", "1"],
          {
            allowFail: true,
          },
        );
        netemSeedSupported = seeded.code === 0;
        return {
          ok: true,
          detail: `sch_netem available${netemSeedSupported ? "" : " (without seed: loss/jitter not reproducible)"}`,
        };
      }
      const why = (r.stderr.trim().split("\n")[0] ?? "").replace(/^Error:\s*/, "");
      return {
        ok: false,
        detail: `kernel has no sch_netem (tc: ${why || `exit ${r.code}`})`,
        // Each command names the backend flag its own way: run takes it as a config key.
        fix:
          "load it (modprobe sch_netem, package linux-modules-extra-$(uname -r)) or use the TUN relay: " +
          "pqtls run --link tun, pqtls link check --backend tun",
      };
    } finally {
      await run(["ip", "netns", "del", ns], { allowFail: true });
    }
  })();
  return netemCache;
}

export async function probeTun(): Promise<Probe> {
  try {
    await access("/dev/net/tun", constants.R_OK | constants.W_OK);
    return { ok: true, detail: "/dev/net/tun usable" };
  } catch {
    return { ok: false, detail: "/dev/net/tun missing or not accessible", fix: "modprobe tun; run as root" };
  }
}

export async function probeNetns(): Promise<Probe> {
  if (!(await tool(["ip", "-V"])))
    return { ok: false, detail: "ip not found", fix: "apt-get install iproute2" };
  if (!isRoot()) return { ok: false, detail: "network namespaces need root", fix: "run as root (sudo)" };
  return { ok: true, detail: "ip netns available" };
}

export async function probeRelay(): Promise<Probe> {
  if (relayBuilt()) return { ok: true, detail: relayPath() };
  return {
    ok: false,
    detail: `not built (${relayPath()})`,
    fix: "npm run build -w packages/harness (needs a C compiler)",
  };
}

export async function probeCompiler(): Promise<Probe> {
  const cc = process.env.CC || "cc";
  const r = await run([cc, "--version"], { allowFail: true }).catch(() => null);
  if (r && r.code === 0) return { ok: true, detail: `${cc}: ${r.stdout.split("\n")[0]}` };
  return { ok: false, detail: `no C compiler (${cc})`, fix: "apt-get install gcc (or set CC)" };
}

export async function congestionControls(): Promise<{
  available: string[];
  allowed: string[];
  root: string;
}> {
  const read = (k: string) =>
    readFile(`/proc/sys/net/ipv4/${k}`, "utf8").then(
      (s) => s.trim(),
      () => "",
    );
  return {
    available: (await read("tcp_available_congestion_control")).split(/\s+/).filter(Boolean),
    allowed: (await read("tcp_allowed_congestion_control")).split(/\s+/).filter(Boolean),
    root: await read("tcp_congestion_control"),
  };
}

export async function probeTool(name: string, argv: string[], pkg: string): Promise<Probe> {
  return (await tool(argv))
    ? { ok: true, detail: `${name} found` }
    : { ok: false, detail: `${name} not found`, fix: `apt-get install ${pkg}` };
}

/** The backend `auto` resolves to here, or a one-line reason why no emulated link can be built. */
export async function resolveBackend(
  requested: Backend,
): Promise<{ backend: "netem" | "tun" | "none"; why: string }> {
  if (requested === "none") return { backend: "none", why: "requested" };
  const netns = await probeNetns();
  if (!netns.ok) return fail(requested, netns);
  if (requested === "netem" || requested === "auto") {
    const netem = await probeNetem();
    if (netem.ok)
      return { backend: "netem", why: requested === "auto" ? "auto: kernel netem available" : "requested" };
    if (requested === "netem") return fail(requested, netem);
  }
  const tun = await probeTun();
  if (!tun.ok) return fail(requested, tun);
  const relay = await probeRelay();
  if (!relay.ok) return fail(requested, relay);
  const netem = requested === "auto" ? await probeNetem() : null;
  return { backend: "tun", why: netem ? `auto: ${netem.detail}, using the TUN relay` : "requested" };
}

function fail(requested: Backend, p: Probe): never {
  throw new UserError(`backend ${requested} unavailable: ${p.detail}${p.fix ? ` (fix: ${p.fix})` : ""}`, 3);
}
