// Names of everything a lane creates. Every namespace and device starts with "pqtls" + a short run tag +
// the lane number, so `pqtls cleanup` can recognise leftovers and map them back to their run.
import { createHash } from "node:crypto";
import { UserError } from "../errors.js";

export const PREFIX = "pqtls";
export const MAX_LANES = 256;

export type Side = "client" | "server";

/** Up to 6 [a-z0-9] characters: the run id itself when it fits, else a hash of it. */
export function runTag(runId: string): string {
  if (/^[a-z0-9]{1,6}$/.test(runId)) return runId;
  return createHash("sha256").update(runId).digest("hex").slice(0, 6);
}

export function checkLaneIndex(lane: number): void {
  if (!Number.isInteger(lane) || lane < 0 || lane >= MAX_LANES)
    throw new UserError(`lane index must be a whole number 0..${MAX_LANES - 1} (got ${lane})`);
}

/** Namespace name, e.g. "pqtls-ab12cd-3-c". */
export function nsName(tag: string, lane: number, side: Side): string {
  return `${PREFIX}-${tag}-${lane}-${side[0]}`;
}

/** Device name (<= 15 chars, the kernel's IFNAMSIZ - 1), e.g. "pqtlsab12cd3c". */
export function devName(tag: string, lane: number, side: Side): string {
  const name = `${PREFIX}${tag}${lane}${side[0]}`;
  if (name.length > 15) throw new Error(`device name too long: ${name}`);
  return name;
}

/** The run tag inside one of our namespace names, or null for anything else. */
export function tagOfNs(name: string): string | null {
  const m = /^pqtls-([a-z0-9]{1,6})-\d+-[cs]$/.exec(name);
  return m ? m[1] : null;
}

/** Lane k's addresses (10.k.0.1 client, 10.k.0.2 server), only ever configured inside the lane's namespaces. */
export function laneAddresses(lane: number): { client: string; server: string; prefixLen: number } {
  return { client: `10.${lane}.0.1`, server: `10.${lane}.0.2`, prefixLen: 24 };
}
