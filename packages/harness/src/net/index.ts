// The link layer: the LinkSpec parameter set, lanes (a client/server pair of namespaces joined by an
// emulated link) and the backends behind them. The runner uses openLane(); CLI commands reuse the flags.
import { resolveBackend } from "./detect.js";
import type { Lane } from "./lane.js";
import { openLoopbackLane } from "./lane-none.js";
import { NamespaceLane } from "./lane-ns.js";
import { checkLaneIndex } from "./names.js";
import { type LinkSpec, validateLinkSpec } from "./spec.js";

export { probeNetem, resolveBackend } from "./detect.js";
export * from "./flags.js";
export type { ActiveBackend, Lane, LaneEndpoint } from "./lane.js";
export { NamespaceLane } from "./lane-ns.js";
export { laneAddresses, nsName, runTag } from "./names.js";
export * from "./spec.js";

/** Brings up lane `o.lane` of run `o.runId` with `spec`. Idempotent: leftovers of the same lane are replaced. */
export async function openLane(spec: LinkSpec, o: { runId: string; lane: number }): Promise<Lane> {
  validateLinkSpec(spec);
  checkLaneIndex(o.lane);
  if (spec.backend === "none") return openLoopbackLane(spec, o);
  const { backend, why } = await resolveBackend(spec.backend);
  if (backend === "none") return openLoopbackLane(spec, o);
  return NamespaceLane.open(spec, o, backend, why);
}
