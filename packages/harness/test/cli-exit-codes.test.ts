// One exit-code scheme (0 ok, 1 the work failed, 2 usage), commander's hints kept on the one line,
// the run/config unit grammar in `connect`, `--fail-on` and `--version`.
import { spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { failOnReasons } from "../src/cli/run.js";
import type { RunResult } from "../src/run/runner.js";

const here = dirname(fileURLToPath(import.meta.url));
const bin = join(here, "..", "dist", "cli", "main.js");

function pqtls(...args: string[]) {
  const r = spawnSync(process.execPath, [bin, ...args], { encoding: "utf8", timeout: 60_000 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe("exit codes and hints", () => {
  it("an unknown option is a usage error (2) whose one line keeps commander's suggestion", () => {
    const r = pqtls("run", "--sample", "3", "--dry-run");
    expect(r.code).toBe(2);
    const lines = r.stderr.trim().split("\n");
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/unknown option '--sample'.*Did you mean --samples\?/);
  });

  it("a bad option value is 2 as well", () => {
    const r = pqtls("run", "--fail-on", "failures,nonsense", "--dry-run");
    expect(r.code).toBe(2);
    expect(r.stderr.trim().split("\n")).toHaveLength(1);
    expect(r.stderr).toMatch(/"nonsense" is not one of failures, link-check/);
  });

  it("prints the version", () => {
    const pkg = JSON.parse(readFileSync(join(here, "..", "package.json"), "utf8"));
    const r = pqtls("--version");
    expect(r.code).toBe(0);
    expect(r.stdout.trim()).toBe(pkg.version);
  });
});

describe("connect reads units as run does", () => {
  it("accepts --timeout 5s and --get 100KiB; the refused connection is the failure (exit 1)", () => {
    const r = pqtls("connect", "127.0.0.1:1", "--insecure", "--timeout", "5s", "--get", "100KiB");
    expect(r.stderr).toMatch(/^pqtls: connection to 127\.0\.0\.1:1 failed/);
    expect(r.code).toBe(1);
  });

  it("refuses a size or duration it cannot read with the unit grammar's message (exit 2)", () => {
    const bad = pqtls("connect", "127.0.0.1:1", "--insecure", "--timeout", "5 fortnights");
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/--timeout/);
    const get = pqtls("connect", "127.0.0.1:1", "--insecure", "--get", "100KB/s");
    expect(get.code).toBe(2);
    expect(get.stderr).toMatch(/--get/);
  });
});

describe("--fail-on", () => {
  const result = (failed: number, linkChecks: string[], disturbed = 0, marked = 0): RunResult => ({
    runId: "r",
    out: "x.jsonl",
    written: 10,
    failed,
    disturbed,
    marked,
    skipped: 0,
    interrupted: false,
    linkChecks,
  });

  it("names each condition that holds, and none when the run is clean", () => {
    expect(failOnReasons(result(0, ["ok RTT 35 ms"]), ["failures", "link-check"])).toEqual([]);
    expect(failOnReasons(result(3, ["ok RTT 35 ms"]), ["failures"])).toEqual(["3 failed rows"]);
    expect(failOnReasons(result(3, ["off RTT 35 ms"]), ["link-check"])).toEqual(["1 link checks not ok"]);
    expect(failOnReasons(result(3, ["off RTT 35 ms"]), [])).toEqual([]);
    expect(failOnReasons(result(0, ["ok RTT 35 ms"], 2), ["failures", "link-check"])).toEqual([]);
    expect(failOnReasons(result(0, ["ok RTT 35 ms"], 2), ["disturbed"])).toEqual([
      "2 rows on a disturbed lane (packets dropped outside the configured loss)",
    ]);
  });

  it("counts rows the fidelity guard marked under disturbed", () => {
    expect(failOnReasons(result(0, ["ok RTT 35 ms"], 0, 4), ["failures", "link-check"])).toEqual([]);
    expect(failOnReasons(result(0, ["ok RTT 35 ms"], 0, 4), ["disturbed"])).toEqual([
      "4 rows marked by the fidelity guard (relay releases late or endpoints waiting for a CPU)",
    ]);
  });
});
