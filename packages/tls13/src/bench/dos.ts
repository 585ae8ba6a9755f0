// CPU per adversarial handshake against a normal one (issue 13): each scenario builds a hostile
// input (not measured), then the victim's processing of it is timed with process.cpuUsage, median
// of several runs, and divided by the CPU of a whole normal handshake (both roles) measured the same
// way. The normal handshake is the cheapest we make (x25519 + ECDSA P-256, default provider), so the
// ratios are upper bounds for PQ configurations. A scenario is one entry of DOS_SCENARIOS.

import { defaultProvider } from "../crypto/index.js";
import type { CryptoProvider } from "../crypto/provider.js";
import { generateChain } from "../x509/index.js";
import { Lab, medianCpuMs } from "./adversary.js";
import { HANDSHAKE_DOS_SCENARIOS } from "./dos-handshake.js";

export interface DosContext {
  provider: CryptoProvider;
  /** x25519 + ECDSA P-256, the normal handshake's configuration. */
  lab: Lab;
}

export interface DosScenario {
  id: string;
  label: string;
  /** Builds the hostile input (not measured); the returned step is the victim's work, timed. */
  prepare(ctx: DosContext): () => DosOutcome;
}

/** What the victim did: the alert it sent, or that the handshake went through. */
export type DosOutcome = string;

/** The scenarios `npm run bench` runs, in order: one line adds one. */
export const DOS_SCENARIOS: readonly DosScenario[] = [...HANDSHAKE_DOS_SCENARIOS];

export interface DosRow {
  id: string;
  label: string;
  outcome: DosOutcome;
  cpuMs: number;
  /** cpuMs / the normal handshake's cpuMs. */
  ratio: number;
}

export interface DosReport {
  provider: string;
  normalHandshakeCpuMs: number;
  runs: number;
  rows: DosRow[];
}

export function runDosBench(options: { runs?: number; log?: (line: string) => void } = {}): DosReport {
  const runs = options.runs ?? 9;
  const provider = defaultProvider();
  const credentials = generateChain({ sig: "ecdsa-p256", depth: 2, hostnames: ["localhost"] });
  const ctx: DosContext = { provider, lab: new Lab(provider, credentials) };
  for (let i = 0; i < 3; i++) ctx.lab.handshake(); // warm the JIT and the provider
  const normal = medianCpuMs(() => ctx.lab.handshake(), runs);
  const rows: DosRow[] = [];
  for (const scenario of DOS_SCENARIOS) {
    options.log?.(`dos: ${scenario.id}`);
    let outcome = "";
    const times: number[] = [];
    for (let i = 0; i < runs; i++) {
      const step = scenario.prepare(ctx);
      const before = process.cpuUsage();
      outcome = step();
      const d = process.cpuUsage(before);
      times.push((d.user + d.system) / 1000);
    }
    times.sort((a, b) => a - b);
    const cpuMs = times[Math.floor(times.length / 2)];
    rows.push({ id: scenario.id, label: scenario.label, outcome, cpuMs, ratio: cpuMs / normal });
  }
  return { provider: provider.name, normalHandshakeCpuMs: normal, runs, rows };
}

export function renderDos(report: DosReport): string {
  const lines = [
    `Adversarial handshakes (CPU of the victim, median of ${report.runs}; normal handshake, both roles, ` +
      `x25519 + ECDSA P-256, ${report.provider}: ${report.normalHandshakeCpuMs.toFixed(2)} ms)`,
  ];
  const width = Math.max(...report.rows.map((r) => r.label.length), 8);
  lines.push(
    `  ${"scenario".padEnd(width)}  ${"outcome".padEnd(20)}  ${"CPU ms".padStart(8)}  ${"× normal".padStart(8)}`,
  );
  for (const r of report.rows)
    lines.push(
      `  ${r.label.padEnd(width)}  ${r.outcome.padEnd(20)}  ${r.cpuMs.toFixed(2).padStart(8)}  ${r.ratio.toFixed(2).padStart(8)}`,
    );
  return lines.join("\n");
}
