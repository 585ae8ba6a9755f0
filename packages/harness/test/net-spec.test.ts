// The link parameter set: symmetric shorthand, validation and the CLI flag parsers refuse bad input
// with one line (a CliError), and a loopback lane opens and closes.
import { Command } from "commander";
import { describe, expect, it } from "vitest";
import { CliError } from "../src/cli/errors.js";
import {
  addLinkOptions,
  linkSpecFromFlags,
  openLane,
  parseBytes,
  parseDurationMs,
  parseLoss,
  parsePercent,
  parseRateMbps,
  symmetricLink,
  validateLinkSpec,
} from "../src/net/index.js";

function refused(fn: () => unknown): string {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(CliError);
    const message = (err as Error).message;
    expect(message).not.toContain("\n");
    return message;
  }
  throw new Error("accepted");
}

function flags(argv: string[]) {
  const cmd = addLinkOptions(new Command("x").exitOverride());
  cmd.parse(argv, { from: "user" });
  return linkSpecFromFlags(cmd.opts());
}

describe("value parsers", () => {
  it("reads times, rates, percentages and sizes with units", () => {
    expect(parseDurationMs("200ms")).toBe(200);
    expect(parseDurationMs("0.2s")).toBe(200);
    expect(parseDurationMs("500us")).toBe(0.5);
    expect(parseRateMbps("1mbit")).toBe(1);
    expect(parseRateMbps("1gbit")).toBe(1000);
    expect(parseRateMbps("500kbit")).toBe(0.5);
    expect(parseRateMbps("unlimited")).toBe(0);
    expect(parsePercent("1%")).toBe(1);
    expect(parseBytes("200KiB")).toBe(204800);
    expect(parseLoss("gemodel 1% 10% 70% 0.1%")).toEqual({
      kind: "gilbert-elliott",
      p: 1,
      r: 10,
      h: 70,
      k: 0.1,
    });
    expect(parseLoss("0%")).toBeNull();
  });

  it("refuses bad values with one line", () => {
    expect(refused(() => parseDurationMs("-5ms"))).toMatch(/negative/);
    expect(refused(() => parseDurationMs("200"))).toMatch(/unit/);
    expect(refused(() => parsePercent("101%"))).toMatch(/between 0% and 100%/);
    expect(refused(() => parseRateMbps("0mbit"))).toMatch(/above 0/);
    expect(refused(() => parseRateMbps("1mbps"))).toMatch(/ambiguous/);
    expect(refused(() => parseRateMbps("fast"))).toMatch(/cannot read/);
    expect(refused(() => flags(["--dist", "cauchy"]))).toMatch(/--dist must be one of/);
    expect(refused(() => flags(["--cc", "vegas"]))).toMatch(/--cc must be one of/);
    expect(refused(() => flags(["--loss", "150%"]))).toMatch(/100%/);
    expect(refused(() => flags(["--dist", "normal"]))).toMatch(/needs --jitter/);
  });
});

describe("link spec", () => {
  it("splits the RTT evenly and applies flags to both directions and endpoints", () => {
    const spec = flags(["--rtt", "200ms", "--rate", "1mbit", "--loss", "1%", "--jitter", "5ms"]);
    spec.backend = "tun";
    expect(spec.up).toEqual(spec.down);
    expect(spec.up.delayMs).toBe(100);
    expect(spec.up.rateMbps).toBe(1);
    expect(spec.up.loss).toEqual({ kind: "bernoulli", pct: 1 });
    const withCwnd = flags(["--initcwnd", "20", "--mtu", "1400", "--cc", "reno", "--no-l2"]);
    expect(withCwnd.client.initcwnd).toBe(20);
    expect(withCwnd.server.initrwnd).toBe(20);
    expect(withCwnd.server.mtu).toBe(1400);
    expect(withCwnd.client.cc).toBe("reno");
    expect(withCwnd.up.countL2).toBe(false);
  });

  it("validateLinkSpec refuses out-of-range values with one line", () => {
    const base = () => symmetricLink({ rttMs: 20 });
    const bad: Array<(s: ReturnType<typeof base>) => void> = [
      (s) => {
        s.up.delayMs = -1;
      },
      (s) => {
        s.down.loss = { kind: "bernoulli", pct: 120 };
      },
      (s) => {
        s.up.jitterDist = "cauchy" as never;
      },
      (s) => {
        s.up.rateMbps = -3;
      },
      (s) => {
        s.up.queueLimit = 0;
      },
      (s) => {
        s.client.mtu = 100;
      },
      (s) => {
        s.backend = "qemu" as never;
      },
      (s) => {
        s.down.loss = { kind: "gilbert-elliott", p: 1, r: -2 };
      },
    ];
    for (const mutate of bad) {
      const s = base();
      mutate(s);
      refused(() => validateLinkSpec(s));
    }
    expect(() => validateLinkSpec(base())).not.toThrow();
  });

  it("a loopback lane (backend none) runs commands without namespaces", async () => {
    const lane = await openLane(symmetricLink({ rttMs: 0, backend: "none" }), { runId: "t1", lane: 0 });
    expect(lane.backend).toBe("none");
    expect(lane.client.ns).toBeNull();
    const child = lane.spawn("client", process.execPath, ["-e", "process.stdout.write('hi')"]);
    let out = "";
    child.stdout?.on("data", (d) => {
      out += d;
    });
    await new Promise((r) => child.once("close", r));
    expect(out).toBe("hi");
    expect((await lane.readState()).emulated).toBe(false);
    await lane.close();
    await lane.close();
  });
});
