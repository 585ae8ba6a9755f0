// "Where lossy connections lose time" on synthetic rows: which connections had their TCP opening
// retransmitted (counters, or a connect of at least 1 s in files without them), TTLB with and without
// them against a direct computation, RTO and retransmission figures, the server's final cwnd, and
// that lossless cells and failures stay out.

import { describe, expect, it } from "vitest";
import { lossAnatomyTable, openingRetransmitted } from "../src/loss-anatomy.js";
import { renderMarkdown } from "../src/markdown.js";
import { quantile } from "../src/quantile.js";
import type { Row } from "../src/row.js";
import { summarizeRows } from "../src/summary.js";
import { meta, mulberry32, rowsFor } from "./synth.js";

/** A lossy 200 KiB cell: `n` connections, those in `opened` had a SYN retransmitted (+1 s). */
function lossyCell(n: number, opened: Set<number>, seed: number): Row[] {
  const rand = mulberry32(seed);
  const ttlb = Array.from({ length: n }, (_, i) => 2000 + 3000 * rand() + (opened.has(i) ? 1000 : 0));
  const rows = rowsFor({
    kex: "x25519",
    chain: "rsa2048",
    bytes: 204800,
    rtt_ms: 200,
    rate_mbps: 1,
    loss_pct: 10,
    handshake: ttlb.map((t) => t / 4),
    ttlb,
    tcp_connect: Array.from({ length: n }, (_, i) => (opened.has(i) ? 1201 : 201)),
    failures: 2,
  });
  return rows.map((r, i) =>
    r.ok
      ? {
          ...r,
          retrans_segs: i % 5,
          tcp: {
            "client.TcpExt.TCPSynRetrans": opened.has(i) && i % 2 === 0 ? 1 : 0,
            "server.TcpExt.TCPSynRetrans": opened.has(i) && i % 2 === 1 ? 1 : 0,
            "client.TcpExt.TCPTimeouts": opened.has(i) ? 1 : 0,
            "server.TcpExt.TCPTimeouts": i % 4 === 0 ? 1 : 0,
          },
          tcp_info: { client: null, server: { snd_cwnd: 10 + (i % 7) } as never },
        }
      : r,
  );
}

describe("loss anatomy", () => {
  it("separates connections whose SYN or SYN-ACK was retransmitted, against a direct computation", () => {
    const opened = new Set([1, 4, 7, 12, 30]);
    const rows = lossyCell(40, opened, 7);
    const lossless = rowsFor({ kex: "x25519", chain: "rsa2048", bytes: 204800, handshake: [100, 110, 120] });
    const table = lossAnatomyTable([...rows, ...lossless]);
    expect(table).toHaveLength(1); // the lossless cell has no row
    const [r] = table;
    const ok = rows.filter((x) => x.ok);
    expect(r.n).toBe(40); // the 2 failures left out
    expect(r.opening_retransmitted).toBe(5);
    const others = ok.filter((_, i) => !opened.has(i)).map((x) => x.ttlb_ms!);
    const all = ok.map((x) => x.ttlb_ms!);
    expect(r.all.p50).toBeCloseTo(quantile(all, 0.5), 9);
    expect(r.all.p90).toBeCloseTo(quantile(all, 0.9), 9);
    expect(r.without_opening!.p50).toBeCloseTo(quantile(others, 0.5), 9);
    expect(r.without_opening!.p90).toBeCloseTo(quantile(others, 0.9), 9);
    expect(r.without_opening!.p50).toBeLessThan(r.all.p50);
    // RTOs: one per opened connection (client) + every fourth connection (server).
    expect(r.rto_mean).toBeCloseTo((5 + 10) / 40, 9);
    expect(r.retrans_p50).toBe(
      quantile(
        ok.map((x) => x.retrans_segs!),
        0.5,
      ),
    );
    expect(r.retrans_mean).toBeCloseTo(ok.reduce((a, x) => a + x.retrans_segs!, 0) / 40, 9);
    expect(r.server_cwnd_p50).toBe(
      quantile(
        ok.map((_, i) => 10 + (i % 7)),
        0.5,
      ),
    );
  });

  it("falls back to a TCP connect of at least 1 s in rows without counters", () => {
    const [a, b] = rowsFor({
      kex: "x25519",
      chain: "rsa2048",
      loss_pct: 10,
      handshake: [1500, 400],
      tcp_connect: [1000.4, 999],
    });
    expect(openingRetransmitted(a)).toBe(true);
    expect(openingRetransmitted(b)).toBe(false);
    // With counters, they decide: a slow connect without a SYN retransmission is not one.
    expect(openingRetransmitted({ ...a, tcp: { "client.TcpExt.TCPSynRetrans": 0 } })).toBe(false);
  });

  it("is a section of the markdown report for lossy runs only", () => {
    const rows = lossyCell(20, new Set([3]), 11);
    const md = renderMarkdown(summarizeRows(rows, [meta()]));
    expect(md).toContain("## Where lossy connections lose time");
    expect(md).toMatch(/\| 20 \| 1 \(5 %\) \|/);
    const lossless = rowsFor({ kex: "x25519", chain: "rsa2048", bytes: 1024, handshake: [100, 110] });
    expect(renderMarkdown(summarizeRows(lossless, [meta()]))).not.toContain("Where lossy connections");
  });
});
