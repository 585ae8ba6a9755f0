// Which runs own which namespaces, and whether they are still alive: one record per run under
// /run/pqtls (pid + the process start time, so a recycled pid does not look alive). `pqtls cleanup`
// removes the namespaces, devices and relays of dead runs and never touches a live run's.
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { UserError } from "../errors.js";
import { run } from "./exec.js";
import { PREFIX, tagOfNs } from "./names.js";

export interface RunRecord {
  tag: string;
  runId: string;
  pid: number;
  startTime: string;
}

export function runsDir(): string {
  const dir = process.getuid?.() === 0 ? "/run/pqtls" : join(tmpdir(), "pqtls-runs");
  mkdirSync(dir, { recursive: true });
  return dir;
}

/** Field 22 of /proc/<pid>/stat (start time in clock ticks since boot), or null if there is no such process. */
export function processStartTime(pid: number): string | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    // The command name (field 2) may contain spaces and parentheses: split after the last ')'.
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    return fields[19] ?? null;
  } catch {
    return null;
  }
}

export function readRun(tag: string): RunRecord | null {
  try {
    return JSON.parse(readFileSync(join(runsDir(), `${tag}.json`), "utf8")) as RunRecord;
  } catch {
    return null;
  }
}

export function isAlive(record: RunRecord | null): boolean {
  return !!record && processStartTime(record.pid) === record.startTime;
}

/** Claims `tag` for this process; refuses when another live process holds it. */
export function claimRun(tag: string, runId: string): void {
  const existing = readRun(tag);
  if (existing && existing.pid !== process.pid && isAlive(existing))
    throw new UserError(`run id ${runId} (tag ${tag}) is in use by live process ${existing.pid}`);
  if (existing?.pid === process.pid) return;
  const record: RunRecord = { tag, runId, pid: process.pid, startTime: processStartTime(process.pid) ?? "" };
  writeFileSync(join(runsDir(), `${tag}.json`), JSON.stringify(record));
}

export function releaseRun(tag: string): void {
  const existing = readRun(tag);
  if (existing && existing.pid === process.pid) rmSync(join(runsDir(), `${tag}.json`), { force: true });
}

export interface Leftover {
  tag: string;
  alive: boolean;
  runId: string | null;
  pid: number | null;
  namespaces: string[];
  devices: string[];
  relays: number[];
}

/** Namespaces (`ip netns list`) carrying our prefix, grouped by run tag. */
export async function ourNamespaces(): Promise<string[]> {
  const { stdout } = await run(["ip", "netns", "list"], { allowFail: true });
  return stdout
    .split("\n")
    .map((l) => l.trim().split(/\s+/)[0])
    .filter((n) => n && tagOfNs(n) !== null);
}

/** Root-namespace devices carrying our prefix (a veth left half-way through a netem setup). */
async function ourRootDevices(): Promise<string[]> {
  const { stdout } = await run(["ip", "-o", "link", "show"], { allowFail: true });
  return stdout
    .split("\n")
    .map((l) => /^\d+:\s+([^:@\s]+)/.exec(l)?.[1] ?? "")
    .filter((n) => n.startsWith(PREFIX));
}

/** Relay processes and the run tag in their --a-ns argument. */
export function ourRelays(): Array<{ pid: number; tag: string; ns: string }> {
  const found: Array<{ pid: number; tag: string; ns: string }> = [];
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    let argv: string[];
    try {
      argv = readFileSync(`/proc/${entry}/cmdline`, "utf8").split("\0");
    } catch {
      continue;
    }
    if (!argv[0]?.endsWith("pqtls-relay")) continue;
    const ns = (argv[argv.indexOf("--a-ns") + 1] ?? "").split("/").pop() ?? "";
    const tag = tagOfNs(ns);
    if (tag) found.push({ pid: Number(entry), tag, ns });
  }
  return found;
}

export async function listLeftovers(): Promise<Leftover[]> {
  const byTag = new Map<string, Leftover>();
  const get = (tag: string): Leftover => {
    let l = byTag.get(tag);
    if (!l) {
      const record = readRun(tag);
      l = {
        tag,
        alive: isAlive(record),
        runId: record?.runId ?? null,
        pid: record?.pid ?? null,
        namespaces: [],
        devices: [],
        relays: [],
      };
      byTag.set(tag, l);
    }
    return l;
  };
  for (const ns of await ourNamespaces()) get(tagOfNs(ns)!).namespaces.push(ns);
  for (const dev of await ourRootDevices()) {
    const m = /^pqtls([a-z0-9]+?)(\d+)[cs]$/.exec(dev);
    // Device names run tag and lane together; match them against the tags we know, else keep the raw tag.
    const known = [...byTag.keys()].find((t) => dev.startsWith(`${PREFIX}${t}`));
    get(known ?? m?.[1] ?? dev.slice(PREFIX.length)).devices.push(dev);
  }
  for (const r of ourRelays()) get(r.tag).relays.push(r.pid);
  for (const file of existsSync(runsDir()) ? readdirSync(runsDir()) : []) {
    if (file.endsWith(".json")) get(file.slice(0, -5));
  }
  return [...byTag.values()];
}

/** Kills processes still inside a namespace, then deletes it. */
export async function deleteNamespace(ns: string): Promise<void> {
  const { stdout } = await run(["ip", "netns", "pids", ns], { allowFail: true });
  for (const pid of stdout.split(/\s+/).filter(Boolean)) {
    try {
      process.kill(Number(pid), "SIGKILL");
    } catch {
      // already gone
    }
  }
  await run(["ip", "netns", "del", ns], { allowFail: true });
}

/** Removes everything of one dead run. */
export async function removeLeftover(l: Leftover): Promise<void> {
  if (l.alive) throw new UserError(`run ${l.runId ?? l.tag} is alive (pid ${l.pid}); not removing its lanes`);
  for (const pid of l.relays) {
    try {
      process.kill(pid, "SIGKILL");
    } catch {
      // already gone
    }
  }
  for (const ns of l.namespaces) await deleteNamespace(ns);
  for (const dev of l.devices) await run(["ip", "link", "del", dev], { allowFail: true });
  rmSync(join(runsDir(), `${l.tag}.json`), { force: true });
}
