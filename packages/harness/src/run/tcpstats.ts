// Per-connection TCP statistics without a native addon: a lane's namespace carries one connection
// at a time, so the change of its /proc/net/snmp and /proc/net/netstat counters across a connection
// is that connection's. The runner reads /proc/<pid>/net/* of a process inside each namespace
// (procfs shows the network namespace of that pid), outside the measured interval.
//
// Read synchronously: these reads happen for every connection, and a procfs file is generated in
// the read call itself, never blocking on a disk. Through fs/promises each one costs four
// thread-pool round trips (open, fstat, read, close) and their promises, which made the runner's own
// CPU per connection larger than the endpoints' (see fidelity.ts for the figures).

import { readFileSync } from "node:fs";

/** The counters recorded per connection (the row's `tcp` field), by their kernel names. */
export const TCP_COUNTERS = [
  "Tcp.RetransSegs",
  "Tcp.OutSegs",
  "Tcp.InSegs",
  "Tcp.InErrs",
  "Tcp.OutRsts",
  "TcpExt.TCPTimeouts",
  "TcpExt.TCPLossProbes",
  "TcpExt.TCPLostRetransmit",
  "TcpExt.TCPFastRetrans",
  "TcpExt.TCPSlowStartRetrans",
  "TcpExt.TCPSynRetrans",
  "TcpExt.TCPSackRecovery",
  "TcpExt.TCPSpuriousRTOs",
  "TcpExt.TCPDSACKRecv",
  "TcpExt.TCPOFOQueue",
  "TcpExt.TCPRcvQDrop",
] as const;

/** Parses the "Proto: names" / "Proto: values" line pairs of /proc/net/snmp and /proc/net/netstat. */
export function parseProcNet(text: string): Record<string, number> {
  const out: Record<string, number> = {};
  const lines = text.split("\n").filter((l) => l.includes(":"));
  for (let i = 0; i + 1 < lines.length; i += 2) {
    const [proto, names] = lines[i].split(/:\s*/, 2);
    const [proto2, values] = lines[i + 1].split(/:\s*/, 2);
    if (proto !== proto2) continue;
    const n = names.trim().split(/\s+/);
    const v = values.trim().split(/\s+/);
    for (let j = 0; j < n.length; j++) out[`${proto}.${n[j]}`] = Number(v[j]);
  }
  return out;
}

/** Reads the counters of the namespace `pid` lives in (its own when pid is "self"). */
export async function readTcpCounters(pid: number | "self"): Promise<Record<string, number>> {
  const snmp = readFileSync(`/proc/${pid}/net/snmp`, "utf8");
  const netstat = readFileSync(`/proc/${pid}/net/netstat`, "utf8");
  const all = { ...parseProcNet(snmp), ...parseProcNet(netstat) };
  const picked: Record<string, number> = {};
  for (const k of TCP_COUNTERS) if (typeof all[k] === "number" && !Number.isNaN(all[k])) picked[k] = all[k];
  return picked;
}

/** after - before for every counter present in both. */
export function counterDelta(
  before: Record<string, number>,
  after: Record<string, number>,
): Record<string, number> {
  const d: Record<string, number> = {};
  for (const [k, v] of Object.entries(after)) if (typeof before[k] === "number") d[k] = v - before[k];
  return d;
}
