// Lifecycle: a run holding TUN lanes (`pqtls link up`) leaves nothing behind when interrupted with
// SIGINT or SIGTERM; after SIGKILL its namespaces remain until `pqtls cleanup`, which removes them but
// never a live run's. "Nothing left" = no namespace or device with the run's tag (`ip netns list`,
// `ip link`) and no relay process.
import { type ChildProcess, execFile, spawn } from "node:child_process";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, describe, expect, it } from "vitest";
import { probeNetns, probeTun } from "../src/net/detect.js";
import { relayBuilt } from "../src/net/relay.js";
import { leftovers } from "./net-helpers.js";

const cli = join(dirname(fileURLToPath(import.meta.url)), "..", "dist", "cli", "main.js");

const skipReason = await (async () => {
  const netns = await probeNetns();
  if (!netns.ok) return netns.detail;
  if (!(await probeTun()).ok) return "no TUN device";
  if (!relayBuilt()) return "TUN relay not built (npm run build -w packages/harness)";
  if (!existsSync(cli)) return `CLI not built (${cli}): npm run build -w packages/harness`;
  return null;
})();
if (skipReason) console.warn(`net-teardown tests skipped: ${skipReason}`);

const started: ChildProcess[] = [];
afterAll(() => {
  for (const c of started) if (c.exitCode === null) c.kill("SIGKILL");
});

function relaysOf(tag: string): number[] {
  const pids: number[] = [];
  for (const e of readdirSync("/proc")) {
    if (!/^\d+$/.test(e)) continue;
    try {
      const argv = readFileSync(`/proc/${e}/cmdline`, "utf8");
      if (argv.includes("pqtls-relay") && argv.includes(`pqtls-${tag}-`)) pids.push(Number(e));
    } catch {
      // exited meanwhile
    }
  }
  return pids;
}

/** Starts `pqtls link up` with two lanes and resolves once both are up. */
async function linkUp(runId: string): Promise<ChildProcess> {
  const child = spawn(
    process.execPath,
    [cli, "link", "up", "--backend", "tun", "--rtt", "10ms", "--lanes", "2", "--run-id", runId],
    {
      stdio: ["ignore", "pipe", "pipe"],
    },
  );
  started.push(child);
  let out = "";
  let err = "";
  child.stderr!.on("data", (d) => {
    err += d;
  });
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`link up not ready in 15 s: ${err}`)), 15_000);
    child.stdout!.on("data", (d) => {
      out += d;
      if (out.includes("ready")) {
        clearTimeout(timer);
        resolve();
      }
    });
    child.once("exit", (code) => {
      clearTimeout(timer);
      reject(new Error(`link up exited ${code}: ${err}`));
    });
  });
  return child;
}

function exited(child: ChildProcess): Promise<number | null> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve(child.exitCode);
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error("did not exit within 10 s")), 10_000);
    child.once("exit", (code) => {
      clearTimeout(timer);
      resolve(code);
    });
  });
}

function runCli(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) =>
    execFile(process.execPath, [cli, ...args], { timeout: 30_000 }, (err, stdout, stderr) =>
      resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stdout, stderr }),
    ),
  );
}

const tag = (s: string) => `${s}${process.pid % 1000}`.slice(0, 6);

describe.skipIf(!!skipReason)("lane teardown", () => {
  for (const signal of ["SIGINT", "SIGTERM"] as const) {
    it(`${signal} tears down every lane of the run`, async () => {
      const runId = tag(signal === "SIGINT" ? "ti" : "tt");
      const child = await linkUp(runId);
      expect(await leftovers(`pqtls-${runId}-`)).toHaveLength(4);
      expect(relaysOf(runId)).toHaveLength(2);
      child.kill(signal);
      expect(await exited(child)).toBe(signal === "SIGINT" ? 130 : 143);
      expect(await leftovers(`pqtls-${runId}-`)).toEqual([]);
      expect(await leftovers(`pqtls${runId}`)).toEqual([]);
      expect(relaysOf(runId)).toEqual([]);
    });
  }

  it("SIGKILL leaves namespaces that `pqtls cleanup` removes, sparing a live run", async () => {
    const dead = tag("tk");
    const live = tag("tl");
    const victim = await linkUp(dead);
    const survivor = await linkUp(live);
    victim.kill("SIGKILL");
    await exited(victim);
    // The relays die with their parent (PR_SET_PDEATHSIG), taking the TUN devices; the namespaces stay.
    expect(await leftovers(`pqtls-${dead}-`)).toHaveLength(4);

    const r = await runCli(["cleanup"]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(new RegExp(`removed run ${dead}`));
    expect(r.stdout).toMatch(new RegExp(`kept run ${live}: alive`));
    expect(await leftovers(`pqtls-${dead}-`)).toEqual([]);
    expect(await leftovers(`pqtls${dead}`)).toEqual([]);
    expect(relaysOf(dead)).toEqual([]);
    expect(await leftovers(`pqtls-${live}-`)).toHaveLength(4);

    survivor.kill("SIGTERM");
    await exited(survivor);
    expect(await leftovers(`pqtls-${live}-`)).toEqual([]);
  });

  it("bad link flags are refused with one line and exit code 2", async () => {
    for (const args of [
      ["--rtt", "-5ms"],
      ["--loss", "150%"],
      ["--dist", "cauchy"],
      ["--rate", "0"],
      ["--rate", "0mbit"],
      ["--jitter", "fast"],
    ]) {
      const r = await runCli(["link", "check", ...args]);
      expect(r.code, args.join(" ")).toBe(2);
      expect(r.stderr.trim().split("\n"), r.stderr).toHaveLength(1);
      expect(r.stderr).toMatch(/^pqtls: /);
    }
  });
});
