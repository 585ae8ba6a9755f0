// Backend "none": both endpoints on this host's loopback, no namespaces, no emulation. For quick runs
// and for machines without root; the link spec's delay/rate/loss are not applied (readState says so).
import { spawn as spawnChild } from "node:child_process";
import { readFile } from "node:fs/promises";
import type { Lane } from "./lane.js";
import type { LinkSpec } from "./spec.js";
import { validateLinkSpec } from "./spec.js";

async function readSysctl(key: string): Promise<string | null> {
  try {
    return (await readFile(`/proc/sys/${key.replaceAll(".", "/")}`, "utf8")).trim();
  } catch {
    return null;
  }
}

export function openLoopbackLane(spec: LinkSpec, o: { runId: string; lane: number }): Lane {
  let current = spec;
  let closed = false;
  const children = new Set<import("node:child_process").ChildProcess>();
  return {
    runId: o.runId,
    index: o.lane,
    backend: "none",
    client: { ns: null, addr: "127.0.0.1" },
    server: { ns: null, addr: "127.0.0.1" },
    spawn(_side, cmd, args, opts) {
      if (closed) throw new Error(`lane ${o.lane} of run ${o.runId} is closed`);
      const child = spawnChild(cmd, args, opts ?? {});
      children.add(child);
      child.once("exit", () => children.delete(child));
      return child;
    },
    async reconfigure(next) {
      validateLinkSpec(next);
      current = next;
    },
    async readState() {
      return {
        backend: "none",
        emulated: false,
        note: "loopback without namespaces: delay, jitter, rate, loss, queue, MTU, initcwnd and cc are not applied",
        requested: structuredClone(current),
        "net.ipv4.tcp_congestion_control": await readSysctl("net.ipv4.tcp_congestion_control"),
        "net.ipv4.tcp_no_metrics_save": await readSysctl("net.ipv4.tcp_no_metrics_save"),
        "net.ipv4.tcp_rmem": await readSysctl("net.ipv4.tcp_rmem"),
        "net.ipv4.tcp_wmem": await readSysctl("net.ipv4.tcp_wmem"),
      };
    },
    async counters() {
      return {};
    },
    async close() {
      closed = true;
      for (const child of children) child.kill("SIGTERM");
    },
  };
}
