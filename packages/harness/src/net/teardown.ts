// Lanes open in this process are torn down on normal exit, on SIGINT/SIGTERM and on uncaught errors.
// Synchronous on 'exit' (nothing async runs then); async on signals, after which the process exits with
// 128+signal unless the application installed its own handler (then that handler decides when to exit).
import { execFileSync } from "node:child_process";

export interface Closable {
  close(): Promise<void>;
  /** Best-effort teardown with synchronous calls only. */
  closeSync(): void;
}

const open = new Set<Closable>();
let installed = false;

function onSignal(signal: NodeJS.Signals, code: number): void {
  const closing = Promise.allSettled([...open].map((l) => l.close()));
  const ours = process.listeners(signal).filter((l) => (l as { pqtls?: boolean }).pqtls).length;
  if (process.listenerCount(signal) > ours) return;
  void closing.then(() => process.exit(code));
}

function install(): void {
  if (installed) return;
  installed = true;
  process.on("exit", () => {
    for (const l of open) l.closeSync();
  });
  for (const [signal, code] of [
    ["SIGINT", 130],
    ["SIGTERM", 143],
    ["SIGHUP", 129],
  ] as const) {
    const handler = Object.assign(() => onSignal(signal, code), { pqtls: true });
    process.on(signal, handler);
  }
}

export function track(l: Closable): void {
  install();
  open.add(l);
}

export function untrack(l: Closable): void {
  open.delete(l);
}

export function openCount(): number {
  return open.size;
}

/** Synchronous helpers for closeSync. */
export function killSync(pid: number | undefined): void {
  if (!pid || pid <= 0) return;
  try {
    process.kill(pid, "SIGKILL");
  } catch {
    // already gone
  }
}

export function deleteNamespaceSync(ns: string): void {
  try {
    const pids = execFileSync("ip", ["netns", "pids", ns], {
      encoding: "utf8",
      stdio: ["ignore", "pipe", "ignore"],
    });
    for (const pid of pids.split(/\s+/).filter(Boolean)) killSync(Number(pid));
  } catch {
    // namespace already gone
  }
  try {
    execFileSync("ip", ["netns", "del", ns], { stdio: "ignore" });
  } catch {
    // already gone
  }
}
