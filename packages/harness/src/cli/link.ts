// `pqtls link check [link flags]`: brings up a lane and measures RTT, goodput, loss and the transfer time
// of N bytes on a fresh connection, next to the configured or modelled values.
// `pqtls link up [link flags]`: brings lanes up and holds them until interrupted (for manual experiments).
import type { Command } from "commander";
import { addLinkOptions, type LinkFlags, linkSpecFromFlags, parseBytes, parseInteger } from "../net/flags.js";
import { type Lane, openLane } from "../net/index.js";
import { expectedGoodputMbps, transferTimeMs } from "../net/model.js";
import { measureFetch, measureGoodput, measureLoss, measurePing, median } from "../net/probes.js";
import type { LinkSpec } from "../net/spec.js";

interface CheckFlags extends LinkFlags {
  bytes: number;
  fetches: number;
  pings: number;
  lossPackets: number;
  runId?: string;
}

const fmt = (v: number, digits = 3) => (Number.isFinite(v) ? v.toFixed(digits) : "-");

/** Binomial 99 % interval of a loss percentage over n trials (normal approximation, clamped). */
function lossInterval(pct: number, n: number): [number, number] {
  const p = pct / 100;
  const half = 2.576 * Math.sqrt((p * (1 - p)) / n);
  return [Math.max(0, p - half) * 100, Math.min(1, p + half) * 100];
}

function pingExpectationMs(spec: LinkSpec): number {
  // 56 B payload → 84 B IP each way, serialised at each direction's rate.
  const ser = (rate: number, l2: boolean) => (rate > 0 ? ((84 + (l2 ? 14 : 0)) * 8) / (rate * 1000) : 0);
  return (
    spec.up.delayMs +
    spec.down.delayMs +
    ser(spec.up.rateMbps, spec.up.countL2) +
    ser(spec.down.rateMbps, spec.down.countL2)
  );
}

async function check(lane: Lane, spec: LinkSpec, f: CheckFlags): Promise<void> {
  const row = (name: string, expected: string, measured: string) =>
    process.stdout.write(`${name.padEnd(26)} ${expected.padEnd(30)} ${measured}\n`);
  const state = await lane.readState();
  process.stdout.write(
    `link check: backend ${lane.backend} (${state.backendReason ?? "requested"}), client ${lane.client.ns ?? "-"} ${lane.client.addr}, server ${lane.server.ns ?? "-"} ${lane.server.addr}\n`,
  );
  row("", "configured / expected", "measured");

  const ping = await measurePing(lane, { count: f.pings, intervalS: 0.05 });
  row(
    "RTT (ping, median)",
    `${fmt(pingExpectationMs(spec))} ms`,
    `${fmt(ping.medianMs)} ms (avg ${fmt(ping.avgMs)}, ${ping.received}/${ping.sent} replies)`,
  );

  const down = spec.down;
  const gp = await measureGoodput(lane, { warmupMs: 1000, measureMs: 3000 });
  row(
    "goodput (TCP, down)",
    down.rateMbps > 0
      ? `${fmt(expectedGoodputMbps(down.rateMbps, spec.server.mtu, down.countL2))} Mbit/s`
      : "unshaped",
    `${fmt(gp.mbps)} Mbit/s over ${fmt(gp.windowMs / 1000, 1)} s`,
  );

  const up = spec.up;
  // Pace datagrams below the up rate (200 B payload + 28 B UDP/IP + 14 B L2), so only emulated loss drops them.
  const gapUs = up.rateMbps > 0 ? Math.max(200, (1.25 * (242 * 8)) / up.rateMbps) : 200;
  const loss = await measureLoss(lane, { count: f.lossPackets, gapUs });
  const lossPct = up.loss?.kind === "bernoulli" ? up.loss.pct : up.loss ? Number.NaN : 0;
  const [lo, hi] = lossInterval(lossPct, f.lossPackets);
  row(
    "loss (UDP, up)",
    up.loss?.kind === "gilbert-elliott"
      ? "Gilbert-Elliott"
      : `${fmt(lossPct, 2)} % (99 %: ${fmt(lo, 2)}-${fmt(hi, 2)})`,
    `${fmt(loss.lossPct, 2)} % (${loss.sent - loss.received} of ${loss.sent})`,
  );

  const times = await measureFetch(lane, { bytes: f.bytes, count: f.fetches });
  const model =
    spec.up.jitterMs === 0 && spec.down.jitterMs === 0 && !spec.up.loss && !spec.down.loss
      ? transferTimeMs({
          rttMs: spec.up.delayMs + spec.down.delayMs,
          rateMbps: down.rateMbps,
          bytes: f.bytes,
          initcwnd: spec.server.initcwnd,
          mtu: spec.server.mtu,
          countL2: down.countL2,
        })
      : Number.NaN;
  row(
    `${f.bytes} B, fresh TCP`,
    Number.isFinite(model) ? `${fmt(model, 1)} ms (packet model)` : "- (model needs no jitter/loss)",
    `${fmt(median(times), 1)} ms (median of ${times.length}: ${times.map((t) => fmt(t, 1)).join(", ")})`,
  );

  const c = await lane.counters();
  if ("up.lateMeanUs" in c)
    row(
      "relay release lateness",
      "",
      `mean ${fmt(c["up.lateMeanUs"], 0)}/${fmt(c["down.lateMeanUs"], 0)} µs, max ${fmt(c["up.lateMaxUs"], 0)}/${fmt(c["down.lateMaxUs"], 0)} µs (up/down)`,
    );
  const drops = (d: "up" | "down") =>
    Object.entries(c)
      .filter(([k]) => k.startsWith(`${d}.`) && /lost|overflow|Dropped|Drops|Errors/.test(k))
      .map(([k, v]) => `${k.slice(d.length + 1)} ${v}`)
      .join(", ");
  row("drops", "", `up: ${drops("up") || "-"}; down: ${drops("down") || "-"}`);
}

export function register(program: Command): void {
  const link = program.command("link").description("emulated link tools");

  addLinkOptions(
    link
      .command("check")
      .description(
        "bring up a lane and measure RTT, goodput, loss and a fresh-connection transfer against the configuration",
      ),
  )
    .option(
      "--bytes <size>",
      "transfer size for the fresh-connection test",
      (v) => parseBytes(v, "--bytes"),
      204800,
    )
    .option("--fetches <n>", "fresh-connection transfers", (v) => parseInteger(v, "--fetches", 1, 100), 3)
    .option("--pings <n>", "ping count", (v) => parseInteger(v, "--pings", 1, 10_000), 20)
    .option(
      "--loss-packets <n>",
      "UDP datagrams for the loss test",
      (v) => parseInteger(v, "--loss-packets", 100, 1e6),
      2000,
    )
    .option("--run-id <id>", "run id (names the namespaces)")
    .action(async (f: CheckFlags) => {
      const spec = linkSpecFromFlags(f);
      const lane = await openLane(spec, { runId: f.runId ?? `chk${process.pid}`, lane: 0 });
      try {
        await check(lane, spec, f);
      } finally {
        await lane.close();
      }
    });

  addLinkOptions(
    link.command("up").description("bring up lanes and hold them until interrupted (Ctrl-C tears down)"),
  )
    .option("--lanes <n>", "number of lanes", (v) => parseInteger(v, "--lanes", 1, 64), 1)
    .option("--run-id <id>", "run id (names the namespaces)")
    .action(async (f: LinkFlags & { lanes: number; runId?: string }) => {
      const spec = linkSpecFromFlags(f);
      const runId = f.runId ?? `up${process.pid}`;
      for (let i = 0; i < f.lanes; i++) {
        const lane = await openLane(spec, { runId, lane: i });
        process.stdout.write(
          `${JSON.stringify({ lane: i, backend: lane.backend, client: lane.client, server: lane.server })}\n`,
        );
      }
      process.stdout.write("ready (Ctrl-C to tear down)\n");
      // Hold until a signal; the lane teardown handlers close the lanes and exit.
      await new Promise(() => setInterval(() => {}, 1 << 30));
    });
}
