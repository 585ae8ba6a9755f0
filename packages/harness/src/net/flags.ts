// Command-line link flags (`--rtt 200ms --rate 1mbit --loss 1% ...`): a commander helper shared by
// `pqtls link check` and the runner's commands, over the harness's one set of unit parsers
// (../units.ts). Bad values stop with one line.
import type { Command } from "commander";
import { UserError } from "../errors.js";
import { parseDurationMs, parseInteger, parseLoss, parseRateMbps } from "../units.js";
import {
  BACKENDS,
  type Backend,
  CONGESTION_CONTROLS,
  type EndpointSpec,
  JITTER_DISTS,
  type JitterDist,
  type LinkSpec,
  type LossModel,
  symmetricLink,
  validateLinkSpec,
} from "./spec.js";

// The link layer's callers (cli/link.ts, the tests) read units through here as before; they live in ../units.ts.
export {
  parseBytes,
  parseDurationMs,
  parseInteger,
  parseLoss,
  parsePercent,
  parseRateMbps,
} from "../units.js";

function oneOf<T extends string>(allowed: readonly T[], what: string): (text: string) => T {
  return (text) => {
    if (!(allowed as readonly string[]).includes(text))
      throw new UserError(`${what} must be one of ${allowed.join(", ")} (got "${text}")`);
    return text as T;
  };
}

/** What `addLinkOptions` leaves in commander's opts(). */
export interface LinkFlags {
  rtt?: number;
  jitter?: number;
  dist?: JitterDist;
  rate?: number;
  loss?: LossModel | null;
  queue?: number;
  mtu?: number;
  initcwnd?: number;
  initrwnd?: number;
  cc?: EndpointSpec["cc"];
  backend?: Backend;
  seed?: number;
  l2?: boolean;
}

/** Adds the link flags to a command; read them back with `linkSpecFromFlags(cmd.opts())`. */
export function addLinkOptions(cmd: Command): Command {
  return cmd
    .option("--rtt <time>", "round-trip time, split evenly each way (e.g. 200ms)", (v) =>
      parseDurationMs(v, "--rtt"),
    )
    .option("--jitter <time>", "delay jitter per direction (e.g. 5ms)", (v) => parseDurationMs(v, "--jitter"))
    .option("--dist <name>", `jitter distribution: ${JITTER_DISTS.join(", ")}`, oneOf(JITTER_DISTS, "--dist"))
    .option("--rate <rate>", "link rate per direction (e.g. 1mbit, 1gbit)", (v) => parseRateMbps(v, "--rate"))
    .option("--loss <pct>", 'loss per direction: "1%" or "gemodel P% R% [1-H% [1-K%]]"', parseLoss)
    .option("--queue <packets>", "queue limit per direction in packets (netem limit)", (v) =>
      parseInteger(v, "--queue", 1, 1_000_000),
    )
    .option("--mtu <bytes>", "MTU of both endpoints", (v) => parseInteger(v, "--mtu", 576, 9000))
    .option("--initcwnd <segments>", "initial congestion window on the routes", (v) =>
      parseInteger(v, "--initcwnd", 1, 1000),
    )
    .option("--initrwnd <segments>", "initial receive window on the routes (default: initcwnd)", (v) =>
      parseInteger(v, "--initrwnd", 1, 1000),
    )
    .option(
      "--cc <name>",
      `congestion control: ${CONGESTION_CONTROLS.join(", ")}`,
      oneOf(CONGESTION_CONTROLS, "--cc"),
    )
    .option("--backend <name>", `link backend: ${BACKENDS.join(", ")}`, oneOf(BACKENDS, "--backend"))
    .option("--seed <n>", "loss/jitter RNG seed", (v) => parseInteger(v, "--seed", 0, 2 ** 32 - 1))
    .option("--no-l2", "do not count the 14 B Ethernet header in the rate (netem counts it)");
}

/** Builds and validates a LinkSpec from parsed flags; unset flags take `base`'s values (or the defaults). */
export function linkSpecFromFlags(flags: LinkFlags, base?: LinkSpec): LinkSpec {
  const spec: LinkSpec = structuredClone(base ?? symmetricLink({ rttMs: 0 }));
  for (const d of [spec.up, spec.down]) {
    if (flags.rtt !== undefined) d.delayMs = flags.rtt / 2;
    if (flags.jitter !== undefined) d.jitterMs = flags.jitter;
    if (flags.dist !== undefined) d.jitterDist = flags.dist;
    if (flags.rate !== undefined) d.rateMbps = flags.rate;
    if (flags.loss !== undefined) d.loss = flags.loss;
    if (flags.queue !== undefined) d.queueLimit = flags.queue;
    if (flags.l2 !== undefined) d.countL2 = flags.l2;
  }
  for (const e of [spec.client, spec.server]) {
    if (flags.mtu !== undefined) e.mtu = flags.mtu;
    if (flags.initcwnd !== undefined) {
      e.initcwnd = flags.initcwnd;
      e.initrwnd = flags.initcwnd;
    }
    if (flags.initrwnd !== undefined) e.initrwnd = flags.initrwnd;
    if (flags.cc !== undefined) e.cc = flags.cc;
  }
  if (flags.backend !== undefined) spec.backend = flags.backend;
  if (flags.seed !== undefined) spec.seed = flags.seed;
  if (flags.dist !== undefined && flags.dist !== "uniform" && spec.up.jitterMs === 0)
    throw new UserError(`--dist ${flags.dist} needs --jitter (a distribution of zero jitter is no jitter)`);
  validateLinkSpec(spec);
  return spec;
}
