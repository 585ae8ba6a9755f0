// The link commands end to end: `pqtls doctor --json` reports every check and the backend `auto`
// resolves to (the same answer as the library's probe), and `pqtls link check` measures a lane and
// prints each figure next to the configured or modelled one.
import { execFile } from "node:child_process";
import { existsSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { probeNetem, probeNetns, probeTun } from "../src/net/detect.js";
import { relayBuilt } from "../src/net/relay.js";
import { hasPing } from "./net-helpers.js";

const cli = join(dirname(fileURLToPath(import.meta.url)), "..", "dist", "cli", "main.js");

function runCli(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) =>
    execFile(process.execPath, [cli, ...args], { timeout: 60_000 }, (err, stdout, stderr) =>
      resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stdout, stderr }),
    ),
  );
}

const skipReason = await (async () => {
  if (!existsSync(cli)) return `CLI not built (${cli}): npm run build -w packages/harness`;
  if (!(await probeNetns()).ok) return "needs root for namespaces";
  if (!(await probeTun()).ok) return "no TUN device";
  if (!relayBuilt()) return "TUN relay not built";
  if (!(await hasPing())) return "ping not installed (apt-get install iputils-ping)";
  return null;
})();
if (skipReason) console.warn(`net-cli tests skipped: ${skipReason}`);

describe.skipIf(!!skipReason)("link commands", () => {
  it("doctor --json lists every check and the backend auto resolves to", async () => {
    const r = await runCli(["doctor", "--json"]);
    expect(r.code, r.stderr).toBe(0);
    const report = JSON.parse(r.stdout) as {
      checks: Array<[string, { ok: boolean; fix?: string }]>;
      auto: string;
    };
    const names = report.checks.map(([n]) => n);
    for (const n of [
      "root",
      "network namespaces",
      "TUN device",
      "kernel netem",
      "congestion control",
      "C compiler (relay)",
      "TUN relay built",
      "Node 24 peer",
      "record AEAD addon",
    ])
      expect(names).toContain(n);
    // The build made the addon wherever the relay could be compiled (same compiler).
    const compiler = report.checks.find(([n]) => n === "C compiler (relay)")![1];
    const addon = report.checks.find(([n]) => n === "record AEAD addon")![1] as {
      ok: boolean;
      detail: string;
    };
    if (compiler.ok) expect(addon, addon.detail).toMatchObject({ ok: true });
    for (const [, p] of report.checks)
      if (!p.ok) expect(p.fix, "a missing item comes with its fix").toBeTruthy();
    const netem = await probeNetem();
    // The advice names each command's own backend flag (run: --link, link check: --backend).
    if (!netem.ok) expect(netem.fix).toMatch(/pqtls run --link tun, pqtls link check --backend tun/);
    expect(report.auto).toMatch(netem.ok ? /^netem/ : /^tun \(auto: kernel has no sch_netem/);
  });

  it("link check prints measured values next to the configured ones", async () => {
    const r = await runCli([
      "link",
      "check",
      "--backend",
      "tun",
      "--rtt",
      "40ms",
      "--rate",
      "20mbit",
      "--initcwnd",
      "20",
      "--bytes",
      "20KiB",
      "--fetches",
      "1",
      "--pings",
      "10",
      "--loss-packets",
      "200",
      "--run-id",
      `lc${process.pid % 1000}`,
    ]);
    expect(r.code, r.stderr).toBe(0);
    const row = (name: string) => r.stdout.split("\n").find((l) => l.startsWith(name)) ?? "";
    const numbers = (line: string) => [...line.matchAll(/(\d+\.\d+)/g)].map((m) => Number(m[1]));
    const [rttExpected, rttMeasured] = numbers(row("RTT (ping, median)"));
    // 40 ms plus an 84 B ping each way at 20 Mbit/s (98 B with L2: 0.039 ms per direction).
    expect(rttExpected).toBeCloseTo(40.078, 2);
    expect(Math.abs(rttMeasured - rttExpected)).toBeLessThanOrEqual(1);
    const [gpExpected, gpMeasured] = numbers(row("goodput (TCP, down)"));
    expect(gpExpected).toBeCloseTo((20 * 1448) / 1514, 2);
    expect(Math.abs(gpMeasured - gpExpected) / gpExpected).toBeLessThanOrEqual(0.02);
    expect(row("loss (UDP, up)")).toMatch(/0\.00 % \(0 of 200\)/);
    expect(row("20480 B, fresh TCP")).toMatch(/packet model/);
    expect(row("drops")).toMatch(/tunTxDropped 0/);
  });
});
