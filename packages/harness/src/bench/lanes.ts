// `npm run bench` in packages/harness, part 2: dense lanes (issue 15). For each link (1 Mbit/s 200 ms,
// 1 Gbit/s 35 ms) and lane count (1, 4, 16, 32, 64 and auto; --quick: 1, 4, 16 and auto) it runs
// `pqtls run` over the TUN link on classical and PQ at 0 and 200 KiB and prints:
//  - connections per hour (recorded rows over the run's wall time, set-up included);
//  - each cell's p50 TTLB and its shift against 1 lane in %, with a 95 % bootstrap interval;
//  - packets dropped outside the configured loss (relay overflow/stalls, TUN drops), and the relay's
//    release lateness when rows carry it (the per-row fidelity guard);
//  - CPU per connection (user + sys of the run and every child, /usr/bin/time) and peak memory per
//    lane (sum of Pss over the run's processes, sampled every second).
// Needs root and the built relay (as `pqtls run --link tun`); prints why and skips otherwise. Figures,
// not a timed test: the machine may be shared, and the output says what it ran on.

import { spawn } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { availableParallelism, loadavg, tmpdir, totalmem } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { bootstrapDifferences, percentIncrease, quantileSorted } from "@pqtls/report";
import { relayBuilt } from "../net/relay.js";

const here = dirname(fileURLToPath(import.meta.url));
const cli = join(here, "..", "cli", "main.js");
const quick = process.argv.includes("--quick") || process.env.PQTLS_BENCH_QUICK === "1";

const LINKS = [
  { name: "1 Mbit/s 200 ms", rate: "1mbit", rtt: "200ms" },
  { name: "1 Gbit/s 35 ms", rate: "1gbit", rtt: "35ms" },
];
const LANES: Array<number | "auto"> = quick ? [1, 4, 16, "auto"] : [1, 4, 16, 32, 64, "auto"];
/** Samples per cell: at least the largest lane count, so every lane has rounds to run. */
const SAMPLES = quick ? 16 : 64;

interface Row {
  type: string;
  cell: string;
  kex: string;
  bytes: number;
  ok: boolean;
  ttlb_ms: number | null;
  lane?: number;
  link?: Record<string, number>;
  [k: string]: unknown;
}

interface RunFigures {
  lanes: number | "auto";
  lanesUsed: number;
  wallS: number;
  cpuS: number;
  peakPssMiB: number;
  rows: Row[];
}

/** Pss (KiB) of `pid` and all its descendants, from /proc (Pss: shared pages split between sharers). */
function treePssKiB(root: number): number {
  const children = new Map<number, number[]>();
  for (const d of readdirSync("/proc")) {
    if (!/^\d+$/.test(d)) continue;
    try {
      const stat = readFileSync(`/proc/${d}/stat`, "utf8");
      const ppid = Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]);
      const list = children.get(ppid) ?? [];
      list.push(Number(d));
      children.set(ppid, list);
    } catch {}
  }
  let total = 0;
  const stack = [root];
  while (stack.length > 0) {
    const pid = stack.pop()!;
    try {
      const m = /^Pss:\s+(\d+)/m.exec(readFileSync(`/proc/${pid}/smaps_rollup`, "utf8"));
      if (m) total += Number(m[1]);
    } catch {}
    stack.push(...(children.get(pid) ?? []));
  }
  return total;
}

function runOnce(link: (typeof LINKS)[number], lanes: number | "auto", dir: string): Promise<RunFigures> {
  const out = join(dir, `${link.rate}-${lanes}.jsonl`);
  const timeFile = join(dir, "time.txt");
  const args = [
    ...["-f", "%U %S", "-o", timeFile, process.execPath, cli, "run"],
    ...["--variants", "x25519:rsa2048,X25519MLKEM768:mldsa65", "--bytes", "0,200KiB"],
    ...["--rate", link.rate, "--rtt", link.rtt, "--initcwnd", "20", "--cc", "cubic"],
    ...["--samples", String(SAMPLES), "--warmups", "1", "--link", "tun", "--lanes", String(lanes)],
    ...["--quiet", "--no-report", "--out", out],
  ];
  return new Promise((resolve, reject) => {
    const t0 = performance.now();
    const child = spawn("/usr/bin/time", args, { stdio: ["ignore", "ignore", "pipe"] });
    let stderr = "";
    child.stderr.on("data", (d) => {
      stderr = (stderr + d).slice(-2000);
    });
    let peak = 0;
    const sampler = setInterval(() => {
      peak = Math.max(peak, treePssKiB(child.pid!));
    }, 1000);
    child.on("exit", (code) => {
      clearInterval(sampler);
      const wallS = (performance.now() - t0) / 1000;
      if (code !== 0) return reject(new Error(`pqtls run --lanes ${lanes} failed: ${stderr.trim()}`));
      const [user, sys] = readFileSync(timeFile, "utf8").trim().split("\n").at(-1)!.split(" ").map(Number);
      const rows = readFileSync(out, "utf8")
        .trim()
        .split("\n")
        .map((l) => JSON.parse(l) as Row)
        .filter((r) => r.type === "row");
      const lanesUsed = new Set(rows.map((r) => r.lane)).size;
      resolve({ lanes, lanesUsed, wallS, cpuS: user + sys, peakPssMiB: peak / 1024, rows });
    });
  });
}

function median(xs: number[]): number {
  return quantileSorted(Float64Array.from(xs).sort(), 0.5);
}

/** The shift of b's median against a's in %, with the report's seeded bootstrap 95 % interval. */
function shift(a: number[], b: number[], key: string): { pct: number; lo: number; hi: number } {
  const ci = bootstrapDifferences(Float64Array.from(a), Float64Array.from(b), [0.5], `lanes-bench:${key}`)
    .pct[0];
  return { pct: percentIncrease(median(a), median(b)), lo: ci.low, hi: ci.high };
}

const DROP_KEYS = /(tunTxDropped|rxDropped|overflow|stalls|writeErrors)$/;

function drops(rows: Row[]): number {
  let n = 0;
  for (const r of rows) for (const [k, v] of Object.entries(r.link ?? {})) if (DROP_KEYS.test(k)) n += v;
  return n;
}

/** The largest release lateness (µs) any row records, if rows carry it (the fidelity guard's fields). */
function lateness(rows: Row[]): string {
  let max = -1;
  const visit = (o: Record<string, unknown>) => {
    for (const [k, v] of Object.entries(o)) {
      if (typeof v === "number" && /late.*max/i.test(k)) max = Math.max(max, v);
      else if (v && typeof v === "object" && !Array.isArray(v)) visit(v as Record<string, unknown>);
    }
  };
  for (const r of rows) visit(r);
  return max < 0 ? "not in rows" : `max ${max.toFixed(0)} µs`;
}

const cellName = (r: Row) => `${r.kex.includes("MLKEM") ? "PQ" : "classical"} ${r.bytes / 1024} KiB`;

function ttlbByCell(rows: Row[]): Map<string, number[]> {
  const m = new Map<string, number[]>();
  for (const r of rows) {
    if (!r.ok || r.ttlb_ms === null) continue;
    const list = m.get(cellName(r)) ?? [];
    list.push(r.ttlb_ms);
    m.set(cellName(r), list);
  }
  return m;
}

async function main(): Promise<void> {
  const head = `dense lanes: ${quick ? "--quick, " : ""}${SAMPLES} samples per cell + 1 warm-up, classical (x25519, rsa2048) and PQ (X25519MLKEM768, mldsa65), 0 and 200 KiB, TUN link`;
  console.log(head);
  if (process.getuid?.() !== 0) return console.log("  skipped: needs root (network namespaces)");
  if (!relayBuilt())
    return console.log("  skipped: the TUN relay is not built (npm run build -w packages/harness)");
  if (!existsSync("/usr/bin/time")) return console.log("  skipped: needs /usr/bin/time for CPU figures");
  console.log(
    `  machine: ${availableParallelism()} cores, ${(totalmem() / 2 ** 30).toFixed(1)} GiB; load average at start ${loadavg()[0].toFixed(2)} (other work on the machine moves these figures)`,
  );
  const dir = mkdtempSync(join(tmpdir(), "pqtls-bench-lanes-"));
  try {
    for (const link of LINKS) {
      console.log(`\n  ${link.name}`);
      console.log(
        "    lanes       conn/h   CPU/conn   Pss/lane   drops  lateness        p50 TTLB (ms) and shift vs 1 lane [95 % interval]",
      );
      let base: Map<string, number[]> | null = null;
      for (const lanes of LANES) {
        let f: RunFigures;
        try {
          f = await runOnce(link, lanes, dir);
        } catch (err) {
          console.log(`    ${String(lanes).padEnd(10)}  failed: ${(err as Error).message.split("\n")[0]}`);
          continue;
        }
        const cells = ttlbByCell(f.rows);
        base ??= cells;
        const perCell = [...cells.entries()]
          .sort(([a], [b]) => a.localeCompare(b))
          .map(([name, xs]) => {
            const b = base!.get(name);
            if (!b || base === cells) return `${name} ${median(xs).toFixed(1)}`;
            const s = shift(b, xs, `${link.name}:${lanes}:${name}`);
            return `${name} ${median(xs).toFixed(1)} (${s.pct >= 0 ? "+" : ""}${s.pct.toFixed(2)} % [${s.lo.toFixed(2)}, ${s.hi.toFixed(2)}])`;
          });
        const label = lanes === "auto" ? `auto=${f.lanesUsed}` : String(f.lanesUsed);
        console.log(
          `    ${label.padEnd(10)} ${((f.rows.length / f.wallS) * 3600).toFixed(0).padStart(7)} ${`${((f.cpuS / f.rows.length) * 1000).toFixed(0)} ms`.padStart(10)} ${`${(f.peakPssMiB / Math.max(1, f.lanesUsed)).toFixed(0)} MiB`.padStart(10)} ${String(drops(f.rows)).padStart(7)}  ${lateness(f.rows).padEnd(14)}  ${perCell.join("; ")}`,
        );
      }
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

await main();
