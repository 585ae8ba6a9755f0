// The link layer: the LinkSpec parameter set, lanes (a client/server pair of namespaces joined by an
// emulated link) and the backends behind them. The runner uses openLane(); CLI commands reuse the flags.
import { CliError } from "../cli/errors.js";
import type { Lane } from "./lane.js";
import { openLoopbackLane } from "./lane-none.js";
import { checkLaneIndex } from "./names.js";
import { type LinkSpec, validateLinkSpec } from "./spec.js";

export * from "./flags.js";
export type { ActiveBackend, Lane, LaneEndpoint } from "./lane.js";
export { laneAddresses, nsName, runTag } from "./names.js";
export * from "./spec.js";

/** Brings up lane `o.lane` of run `o.runId` with `spec`. Idempotent: leftovers of the same lane are replaced. */
export async function openLane(spec: LinkSpec, o: { runId: string; lane: number }): Promise<Lane> {
  validateLinkSpec(spec);
  checkLaneIndex(o.lane);
  if (spec.backend === "none") return openLoopbackLane(spec, o);
  throw new CliError(`backend ${spec.backend} is not available yet`);
}
