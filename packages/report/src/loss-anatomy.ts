// "Where lossy connections lose time": per cell of a lossy condition, how many connections had their
// TCP opening retransmitted (a lost SYN or SYN-ACK waits the kernel's 1 s initial RTO, and RFC 6298
// then starts the sender at a window of one segment), the time to last byte with and without them,
// and what the kernel's loss recovery did (RTO expiries, retransmitted segments, the server's final
// congestion window from TCP_INFO). It separates the part of a lossy TTLB that is the opening's
// timeout, a fixed second that does not depend on the chain, from the part the transfer adds — what
// an absolute TTLB set beside another study's needs before any TLS explanation.

import {
  type Condition,
  compareConditions,
  conditionKey,
  conditionOf,
  type Variant,
  variantKey,
  variantOf,
} from "./params.js";
import { quantile } from "./quantile.js";
import type { Row } from "./row.js";

/** A connect that took this long waited at least one initial RTO (RFC 6298: 1 s) for its SYN or SYN-ACK. */
export const OPENING_RTO_MS = 1000;

export interface LossAnatomyRow {
  condition: Condition;
  variant: Variant;
  bytes: number;
  /** Successful connections. */
  n: number;
  /** Of them, connections whose SYN or SYN-ACK was retransmitted (see openingRetransmitted). */
  opening_retransmitted: number;
  /** Time to last byte (the handshake's at 0 bytes), ms: p50 and p90 of all n, and of the others. */
  all: { p50: number; p90: number };
  /** null when every connection's opening was retransmitted. */
  without_opening: { p50: number; p90: number } | null;
  /** RTO expiries per connection, client and server together (mean); null without TCP counters. */
  rto_mean: number | null;
  /** Retransmitted segments per connection, both ends (p50 and mean); null without counters. */
  retrans_p50: number | null;
  retrans_mean: number | null;
  /** The server's congestion window (segments) when the client's FIN arrived, p50; null without tcp_info. */
  server_cwnd_p50: number | null;
}

/**
 * Whether the connection's SYN or SYN-ACK was retransmitted: the namespaces' TCPSynRetrans counters
 * when the row has them, else a TCP connect of at least OPENING_RTO_MS (files without counters).
 */
export function openingRetransmitted(row: Row): boolean {
  const tcp = row.tcp ?? {};
  const client = tcp["client.TcpExt.TCPSynRetrans"];
  const server = tcp["server.TcpExt.TCPSynRetrans"];
  const host = tcp["host.TcpExt.TCPSynRetrans"];
  if (client !== undefined || server !== undefined || host !== undefined)
    return (client ?? 0) + (server ?? 0) + (host ?? 0) > 0;
  return row.tcp_connect_ms !== null && row.tcp_connect_ms >= OPENING_RTO_MS;
}

function sumOf(tcp: Record<string, number> | undefined, name: string): number | null {
  if (!tcp) return null;
  let found = false;
  let sum = 0;
  for (const side of ["client", "server", "host"]) {
    const v = tcp[`${side}.${name}`];
    if (v !== undefined) {
      found = true;
      sum += v;
    }
  }
  return found ? sum : null;
}

const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
const p50p90 = (xs: number[]) => ({ p50: quantile(xs, 0.5), p90: quantile(xs, 0.9) });

interface Group {
  condition: Condition;
  variant: Variant;
  bytes: number;
  times: number[];
  others: number[];
  opening: number;
  rtos: number[];
  retrans: number[];
  cwnd: number[];
}

/** One row per cell of a condition with loss (loss_pct > 0) that has successful connections. */
export function lossAnatomyTable(rows: readonly Row[]): LossAnatomyRow[] {
  const groups = new Map<string, Group>();
  for (const row of rows) {
    if (!row.ok || !(row.loss_pct > 0)) continue;
    const time = row.ttlb_ms ?? row.handshake_ms;
    if (time === null) continue;
    const condition = conditionOf(row);
    const variant = variantOf(row);
    const key = `${conditionKey(condition)}|${variantKey(variant)}|${row.bytes}`;
    let g = groups.get(key);
    if (!g) {
      g = {
        condition,
        variant,
        bytes: row.bytes,
        times: [],
        others: [],
        opening: 0,
        rtos: [],
        retrans: [],
        cwnd: [],
      };
      groups.set(key, g);
    }
    g.times.push(time);
    if (openingRetransmitted(row)) g.opening++;
    else g.others.push(time);
    const rto = sumOf(row.tcp, "TcpExt.TCPTimeouts");
    if (rto !== null) g.rtos.push(rto);
    if (row.retrans_segs !== null) g.retrans.push(row.retrans_segs);
    const cwnd = row.tcp_info?.server?.snd_cwnd;
    if (typeof cwnd === "number") g.cwnd.push(cwnd);
  }
  return [...groups.values()]
    .sort(
      (a, b) =>
        compareConditions(a.condition, b.condition) ||
        variantKey(a.variant).localeCompare(variantKey(b.variant)) ||
        a.bytes - b.bytes,
    )
    .map((g) => ({
      condition: g.condition,
      variant: g.variant,
      bytes: g.bytes,
      n: g.times.length,
      opening_retransmitted: g.opening,
      all: p50p90(g.times),
      without_opening: g.others.length > 0 ? p50p90(g.others) : null,
      rto_mean: g.rtos.length > 0 ? mean(g.rtos) : null,
      retrans_p50: g.retrans.length > 0 ? quantile(g.retrans, 0.5) : null,
      retrans_mean: g.retrans.length > 0 ? mean(g.retrans) : null,
      server_cwnd_p50: g.cwnd.length > 0 ? quantile(g.cwnd, 0.5) : null,
    }));
}
