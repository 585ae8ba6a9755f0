// Waiting for an idle link before each connection, so samples are independent. With a rate set the
// relay (like netem) never reorders: a SYN sent while the previous connection's last packets
// (FIN/ACK) are still in the delay line leaves no earlier than they do and takes the later of two
// delay draws, which biases tcp_connect_ms upwards on jittered links.

import type { ActiveBackend } from "../net/lane.js";
import type { LinkParams } from "./config.js";

/** Extra quiet time after the delay line drains: the last packet still has to cross the kernel. */
export const IDLE_GUARD_MS = 3;
/** How often the tun relay's queue is polled. */
export const IDLE_POLL_MS = 2;

/** What the runner needs of a lane to tell whether its link is idle. */
export interface IdleProbe {
  readonly backend: ActiveBackend;
  counters(): Promise<Record<string, number>>;
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** The longest a packet normally stays on the link one way: one-way delay plus 4 × jitter. */
export function maxOneWayMs(link: Pick<LinkParams, "rtt_ms" | "jitter_ms">): number {
  return link.rtt_ms / 2 + 4 * link.jitter_ms;
}

/**
 * Resolves once the link is idle. tun: polls the relay until nothing is queued in either direction
 * (at most `maxOneWayMs` + 1 s, then gives up waiting: a stuck queue must not hang the run), then
 * waits IDLE_GUARD_MS. netem/none: the queue cannot be read, so a fixed `maxOneWayMs` guard.
 * Returns the milliseconds waited (for tests and diagnostics).
 */
export async function waitLinkIdle(
  probe: IdleProbe,
  link: Pick<LinkParams, "rtt_ms" | "jitter_ms">,
  now: () => number = () => performance.now(),
): Promise<number> {
  const start = now();
  if (probe.backend !== "tun") {
    const guard = maxOneWayMs(link);
    if (guard > 0) await sleep(guard);
    return now() - start;
  }
  const deadline = start + maxOneWayMs(link) + 1000;
  for (;;) {
    const c = await probe.counters().catch(() => ({}) as Record<string, number>);
    const queued = (c["up.queued"] ?? 0) + (c["down.queued"] ?? 0);
    if (!(queued > 0) || now() >= deadline) break;
    await sleep(IDLE_POLL_MS);
  }
  await sleep(IDLE_GUARD_MS);
  return now() - start;
}

/** The policy in words, for the meta line's timing definition. */
export const IDLE_POLICY =
  "Before t0 of every connection (warm-ups and resumption priming included) the runner waits until the " +
  "lane's link is idle: backend tun polls the relay until nothing is queued either way (bounded by the " +
  `maximum one-way delay + 1 s), then ${IDLE_GUARD_MS} ms more; netem and none wait a fixed ` +
  "maximum one-way delay (rtt/2 + 4 × jitter), so no connection's SYN queues behind the previous one's last packets. " +
  "After each measured connection it waits the same way before reading the counters, so tcp.* and link.* cover all of that connection's packets.";
