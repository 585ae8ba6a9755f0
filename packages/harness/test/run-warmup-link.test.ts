// Warm-ups run on the lane's endpoints with the link unshaped, and the measured connections on the
// configured link: the lane is set with no delay, rate or loss, every warm-up connection is made,
// then the group's link is set before the first sample. The endpoints are doubles that log each
// connection; the lane is the real loopback lane (`link: none`) with its opening and reconfigure
// calls logged, so the test sees the order in which the runner sets the link and connects. (Lane 0
// is first opened on the first group's link to record the link state for the meta line.)
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it, vi } from "vitest";
import type { LinkSpec } from "../src/net/spec.js";
import { resolveConfig } from "../src/run/config.js";
import { buildPlan } from "../src/run/plan.js";
import { linkSpecFor, runExperiment, warmUpLinkSpec } from "../src/run/runner.js";
import { flags } from "./config-helpers.js";

/** What the lane and the endpoints saw, in order. */
const events: string[] = [];
const shape = (s: LinkSpec) =>
  `link delay=${s.up.delayMs}/${s.down.delayMs} rate=${s.up.rateMbps} loss=${s.up.loss ? "on" : "off"} mtu=${s.client.mtu} initcwnd=${s.server.initcwnd}`;

vi.mock("../src/net/index.js", async (importOriginal) => {
  const real = await importOriginal<typeof import("../src/net/index.js")>();
  return {
    ...real,
    openLane: async (spec: LinkSpec, o: Parameters<typeof real.openLane>[1]) => {
      events.push(`open ${shape(spec)}`);
      const lane = await real.openLane(spec, o);
      const reconfigure = lane.reconfigure.bind(lane);
      lane.reconfigure = async (s: LinkSpec) => {
        events.push(`set ${shape(s)}`);
        await reconfigure(s);
      };
      return lane;
    },
  };
});

vi.mock("../src/run/endpoints.js", async (importOriginal) => {
  const real = await importOriginal<typeof import("../src/run/endpoints.js")>();
  const { FakeServer, okMeasurement } = await import("./fake-endpoints.js");
  class FakeDriver {
    pid = 0;
    async ensureStarted() {}
    async connect(cmd: { kex: string }) {
      events.push("connect");
      return okMeasurement(cmd.kex, 6);
    }
    kill() {}
    async stop() {}
  }
  return { ...real, ServerProcess: FakeServer, ClientDriver: FakeDriver };
});

const dir = mkdtempSync(join(tmpdir(), "pqtls-warmup-link-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function run(warmups: number): Promise<string[]> {
  events.length = 0;
  const config = resolveConfig([
    flags({
      engine: "pqtls",
      variants: "x25519:rsa2048,X25519MLKEM768:mldsa65",
      link: "none",
      lanes: 1,
      samples: 2,
      warmups,
      bytes: "0",
      rtt: "200ms",
      rate: "1mbit",
      loss: "10%",
      mtu: 1400,
      initcwnd: 10,
      seed: 3,
    }),
  ]);
  const out = join(dir, `w${warmups}.jsonl`);
  await runExperiment({
    config,
    plan: buildPlan(config),
    out,
    resume: false,
    progress: "quiet",
    commandLine: ["pqtls", "run"],
    signal: new AbortController().signal,
  });
  expect(
    readFileSync(out, "utf8")
      .split("\n")
      .filter((l) => l.includes('"type":"row"')),
  ).toHaveLength(4);
  return [...events];
}

describe("warm-ups on the unshaped link", () => {
  const shaped = "link delay=100/100 rate=1 loss=on mtu=1400 initcwnd=10";
  const unshaped = "link delay=0/0 rate=0 loss=off mtu=1400 initcwnd=10";

  it("sets the lane unshaped with the group's endpoints, warms up, then sets the link before sampling", async () => {
    expect(await run(2)).toEqual([
      `open ${shaped}`, // the meta line's link state
      `set ${unshaped}`,
      ...Array(2 * 2).fill("connect"), // 2 warm-ups of each of the 2 cells
      `set ${shaped}`,
      ...Array(2 * 2).fill("connect"), // 2 samples of each
    ]);
  });

  it("sets the link at once when there are no warm-ups", async () => {
    expect(await run(0)).toEqual([`open ${shaped}`, `set ${shaped}`, ...Array(2 * 2).fill("connect")]);
  });

  it("keeps everything of the spec but the link's delay, jitter, rate and loss", () => {
    const config = resolveConfig([
      flags({
        link: "none",
        rtt: "35ms",
        jitter: "5ms",
        rate: "1gbit",
        loss: "1%",
        queue_limit: 500,
        cc: "bbr",
      }),
    ]);
    const spec = linkSpecFor(buildPlan(config).groups[0].link, config);
    expect([spec.up.delayMs, spec.up.jitterMs, spec.up.rateMbps, spec.up.loss]).toEqual([
      17.5,
      5,
      1000,
      { kind: "bernoulli", pct: 1 },
    ]);
    const w = warmUpLinkSpec(spec);
    for (const d of ["up", "down"] as const)
      expect(w[d]).toEqual({ ...spec[d], delayMs: 0, jitterMs: 0, rateMbps: 0, loss: null });
    expect([w.client, w.server, w.seed, w.backend]).toEqual([
      spec.client,
      spec.server,
      spec.seed,
      spec.backend,
    ]);
    expect(w.client.cc).toBe("bbr");
    expect(w.up.queueLimit).toBe(500);
  });
});
