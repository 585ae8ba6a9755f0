// The netem backend: a veth pair between the two lane namespaces with a root netem qdisc on each end
// (each end shapes its egress, so the client's end is the up direction). This file generates the exact
// tc/ip commands; detection of sch_netem lives in detect.ts.
import type { DirectionSpec, EndpointSpec } from "./spec.js";

/** A time in tc's syntax: whole milliseconds as "100ms", anything finer in microseconds. */
export function tcTime(ms: number): string {
  return Number.isInteger(ms) ? `${ms}ms` : `${Math.round(ms * 1000)}us`;
}

/** A percentage in tc's syntax, without float noise. */
export function tcPercent(pct: number): string {
  return `${Number(pct.toPrecision(10))}%`;
}

/** The netem options for one direction (after `tc qdisc replace dev X root netem`); seed null = omit it. */
export function netemOptions(d: DirectionSpec, seed: number | null): string[] {
  const args = ["limit", String(d.queueLimit), "delay", tcTime(d.delayMs)];
  if (d.jitterMs > 0) {
    args.push(tcTime(d.jitterMs));
    // netem's jitter without a table is uniform; naming "uniform" needs a newer tc, so leave it out.
    if (d.jitterDist !== "uniform") args.push("distribution", d.jitterDist);
  }
  if (d.rateMbps > 0) {
    args.push("rate", `${Math.round(d.rateMbps * 1e6)}bit`);
    // netem's rate counts the skb length, which on a veth includes the 14 B Ethernet header.
    if (!d.countL2) args.push("-14");
  }
  if (d.loss?.kind === "bernoulli" && d.loss.pct > 0) args.push("loss", "random", tcPercent(d.loss.pct));
  else if (d.loss?.kind === "gilbert-elliott")
    args.push(
      "loss",
      "gemodel",
      tcPercent(d.loss.p),
      tcPercent(d.loss.r),
      tcPercent(d.loss.h ?? 100),
      tcPercent(d.loss.k ?? 0),
    );
  if (seed !== null) args.push("seed", String(seed));
  return args;
}

export function netemQdiscCommand(ns: string, dev: string, d: DirectionSpec, seed: number | null): string[] {
  return ["tc", "-n", ns, "qdisc", "replace", "dev", dev, "root", "netem", ...netemOptions(d, seed)];
}

export interface NetemSide {
  ns: string;
  dev: string;
  addr: string;
}

/** Creates the veth pair with each end already inside its namespace. */
export function vethCommand(client: NetemSide, server: NetemSide): string[] {
  return [
    "ip",
    "link",
    "add",
    client.dev,
    "netns",
    client.ns,
    "type",
    "veth",
    "peer",
    "name",
    server.dev,
    "netns",
    server.ns,
  ];
}

/**
 * Address, MTU, queue length and link-up for one end. For a TUN device the queue length is the size of
 * the ring the relay reads from; TCP bursts a whole window into it at memory speed (TUN orphans skbs, so
 * TCP Small Queues do not hold the sender back), hence the larger default there.
 */
export function deviceCommands(
  side: NetemSide,
  prefixLen: number,
  e: EndpointSpec,
  txqueuelen = 1000,
): string[][] {
  return [
    ["ip", "-n", side.ns, "addr", "replace", `${side.addr}/${prefixLen}`, "dev", side.dev],
    [
      "ip",
      "-n",
      side.ns,
      "link",
      "set",
      "dev",
      side.dev,
      "mtu",
      String(e.mtu),
      "txqueuelen",
      String(txqueuelen),
      "up",
    ],
  ];
}
