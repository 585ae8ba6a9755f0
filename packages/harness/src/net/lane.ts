// The Lane: one client/server pair joined by one emulated link. The runner only sees this interface.
import type { ChildProcess, SpawnOptions } from "node:child_process";
import type { LinkSpec } from "./spec.js";

export type ActiveBackend = "netem" | "tun" | "none";

export interface LaneEndpoint {
  /** Network namespace name; null for backend "none" (the caller's own namespace, loopback). */
  ns: string | null;
  addr: string;
}

export interface Lane {
  readonly runId: string;
  readonly index: number;
  readonly backend: ActiveBackend;
  readonly client: LaneEndpoint;
  readonly server: LaneEndpoint;
  /** Runs cmd inside that side's namespace (ip netns exec). */
  spawn(side: "client" | "server", cmd: string, args: string[], o?: SpawnOptions): ChildProcess;
  /** Changes link and endpoint parameters between cells (not the backend). */
  reconfigure(spec: LinkSpec): Promise<void>;
  /** Every value actually in force: sysctls, routes (initcwnd), MTU, offloads, cc, qdiscs/relay params. */
  readState(): Promise<Record<string, unknown>>;
  /** Drop counters per direction: emulated loss, queue overflow, TUN ring drops. */
  counters(): Promise<Record<string, number>>;
  /** Tears down namespaces, devices and the relay; idempotent. */
  close(): Promise<void>;
}
