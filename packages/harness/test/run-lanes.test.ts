// The runner's abort-listener pattern across lanes: each lane waits on its endpoints (server start,
// client connects) with an abort signal. When every lane listened on the run's one signal, 11 or
// more lanes crossed Node's limit of 10 listeners and `pqtls run --lanes 16` printed a
// MaxListenersExceededWarning. The endpoints are replaced by doubles that wait on the signal the
// way the real ones do (a listener for the whole wait, removed after), so 12 lanes are all waiting
// at once without starting 24 processes; the lanes are real (`link: none`, no namespaces).
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it, vi } from "vitest";
import { resolveConfig } from "../src/run/config.js";
import { buildPlan } from "../src/run/plan.js";
import { runExperiment } from "../src/run/runner.js";
import { flags } from "./config-helpers.js";

/** Resolves after `ms`, listening on `signal` meanwhile (rejects if it aborts), as endpoints' waitFor does. */
function waitOn(signal: AbortSignal | undefined, ms: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const onAbort = () => {
      clearTimeout(timer);
      reject(new Error("aborted"));
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener("abort", onAbort);
      resolve();
    }, ms);
    signal?.addEventListener("abort", onAbort, { once: true });
  });
}

vi.mock("../src/run/endpoints.js", async (importOriginal) => {
  const real = await importOriginal<typeof import("../src/run/endpoints.js")>();
  const { FakeServer, okMeasurement } = await import("./fake-endpoints.js");
  class FakeDriver {
    pid = 0;
    async ensureStarted(signal?: AbortSignal) {
      await waitOn(signal, 5);
    }
    async connect(_cmd: unknown, signal?: AbortSignal) {
      await waitOn(signal, 20);
      return okMeasurement("x25519", 3);
    }
    kill() {}
    async stop() {}
  }
  // Every lane starts its server at once, as they do for real.
  return {
    ...real,
    ServerProcess: FakeServer.starting((signal) => waitOn(signal, 300)),
    ClientDriver: FakeDriver,
  };
});

const dir = mkdtempSync(join(tmpdir(), "pqtls-lanes-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe("many lanes", () => {
  it("12 lanes waiting on their endpoints at once print no MaxListenersExceededWarning", async () => {
    const warnings: string[] = [];
    const onWarning = (w: Error) => warnings.push(`${w.name}: ${w.message}`);
    process.on("warning", onWarning);
    try {
      const config = resolveConfig([
        flags({
          engine: "pqtls",
          variants: "x25519:rsa2048",
          link: "none",
          lanes: 12,
          samples: 12,
          warmups: 0,
          bytes: "0",
        }),
      ]);
      const out = join(dir, "lanes.jsonl");
      const r = await runExperiment({
        config,
        plan: buildPlan(config),
        out,
        resume: false,
        progress: "quiet",
        commandLine: ["pqtls", "run", "--lanes", "12"],
        signal: new AbortController().signal,
      });
      expect(r.written).toBe(12);
      const lanes = new Set(
        readFileSync(out, "utf8")
          .split("\n")
          .filter((l) => l.includes('"type":"row"'))
          .map((l) => JSON.parse(l).lane),
      );
      expect(lanes.size).toBe(12); // all twelve lanes ran (and waited) at once
      // Warnings are emitted on the next tick.
      await new Promise((resolve) => setImmediate(resolve));
      expect(warnings.filter((w) => /MaxListeners/.test(w))).toEqual([]);
    } finally {
      process.off("warning", onWarning);
    }
  }, 60_000);
});
