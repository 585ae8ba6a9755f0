// `pqtls doctor`: what this machine offers for emulated links and interop, which backend `auto` will
// use, and for everything missing, the fix.
import { existsSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import type { Command } from "commander";
import {
  congestionControls,
  isRoot,
  type Probe,
  probeCompiler,
  probeNetem,
  probeNetns,
  probeRelay,
  probeTool,
  probeTun,
  resolveBackend,
} from "../net/detect.js";
import { distTablePath } from "../net/tables.js";

interface Node24Module {
  node24Path(): string | null;
  node24Missing(): string | null;
  node24Versions(): { node: string; openssl: string } | null;
}

async function probeNode24(): Promise<Probe> {
  const here = dirname(fileURLToPath(import.meta.url));
  const file = join(here, "..", "..", "..", "..", "tools", "node24", "index.mjs");
  if (!existsSync(file))
    return { ok: false, detail: `tools/node24 not found (${file})`, fix: "run from the repo" };
  const m = (await import(pathToFileURL(file).href)) as Node24Module;
  const path = m.node24Path();
  if (!path)
    return { ok: false, detail: m.node24Missing() ?? "missing", fix: "npm install at the repo root" };
  const v = m.node24Versions();
  return { ok: true, detail: `${path} (node ${v?.node}, OpenSSL ${v?.openssl})` };
}

/** Whether pqtls seals records through the in-place addon (bulk cost) or node:crypto objects. */
async function probeAeadAddon(): Promise<Probe> {
  const { evpAddonStatus } = await import("@pqtls/tls13");
  const status = evpAddonStatus();
  return status.startsWith("evp addon (")
    ? { ok: true, detail: status }
    : {
        ok: false,
        detail: status,
        fix: "npm run build with a C compiler (apt-get install build-essential); Node's include/node headers ship with it",
      };
}

export async function doctorReport(): Promise<{
  checks: Array<[string, Probe]>;
  auto: string;
  autoOk: boolean;
}> {
  const cc = await congestionControls();
  const missingCc = ["cubic", "bbr", "reno"].filter((c) => !cc.available.includes(c));
  const table = distTablePath("paretonormal");
  const checks: Array<[string, Probe]> = [
    [
      "root",
      isRoot() ? { ok: true, detail: "uid 0" } : { ok: false, detail: "not root", fix: "run as root (sudo)" },
    ],
    ["network namespaces", await probeNetns()],
    ["TUN device", await probeTun()],
    ["kernel netem", await probeNetem()],
    [
      "congestion control",
      {
        ok: missingCc.length === 0,
        detail: `available: ${cc.available.join(" ")}; allowed: ${cc.allowed.join(" ")}; root default ${cc.root} (lanes set their own)`,
        ...(missingCc.length
          ? { fix: `load modules: modprobe ${missingCc.map((c) => `tcp_${c}`).join(" ")}` }
          : {}),
      },
    ],
    ["C compiler (relay)", await probeCompiler()],
    ["TUN relay built", await probeRelay()],
    [
      "netem tables",
      table
        ? { ok: true, detail: dirname(table) }
        : {
            ok: false,
            detail: "iproute2's *.dist tables not found",
            fix: "apt-get install iproute2, or set TC_LIB_DIR",
          },
    ],
    ["ping (link check)", await probeTool("ping", ["ping", "-V"], "iputils-ping")],
    ["ethtool (offloads)", await probeTool("ethtool", ["ethtool", "--version"], "ethtool")],
    ["Node 24 peer", await probeNode24()],
    ["record AEAD addon", await probeAeadAddon()],
  ];
  try {
    const r = await resolveBackend("auto");
    return { checks, auto: `${r.backend} (${r.why})`, autoOk: true };
  } catch (err) {
    return { checks, auto: `none available: ${(err as Error).message}`, autoOk: false };
  }
}

export function register(program: Command): void {
  program
    .command("doctor")
    .description("check root, namespaces, TUN, netem, congestion controls, the relay and the Node 24 peer")
    .option("--json", "print the checks as JSON")
    .action(async (opts: { json?: boolean }) => {
      const report = await doctorReport();
      if (opts.json) {
        process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
      } else {
        for (const [name, p] of report.checks) {
          const fix = p.ok || !p.fix ? "" : `  → fix: ${p.fix}`;
          process.stdout.write(`${p.ok ? "ok     " : "MISSING"}  ${name.padEnd(20)} ${p.detail}${fix}\n`);
        }
        process.stdout.write(`backend auto → ${report.auto}\n`);
      }
      if (!report.autoOk) process.exitCode = 1;
    });
}
