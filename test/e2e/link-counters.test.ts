// End to end: the per-connection link counters of `pqtls run` on the TUN link describe that
// connection's traffic and nothing else. Each row's `link.up.packets` (packets the relay read from
// the client) must equal the client's TCP OutSegs, `link.up.delivered` the server's InSegs (and the
// same the other way), and every packet read must be delivered, lost or dropped by the time the
// row is written: delivered never exceeds packets. A response size followed by a handshake-only
// cell is the case that broke it (docs/results/ttlb-increase.jsonl: 497 of 1,400 rows had
// delivered > packets, from the previous connection's packets still in the delay line).
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { pqtls, tunLinkSkipReason } from "../cli.js";

const skipWhy = tunLinkSkipReason("link counter end-to-end test");
const dirs: string[] = [];
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

describe.skipIf(skipWhy !== null)("link counters per connection (tun)", () => {
  it("match each connection's TCP segments, and delivered <= packets with nothing left in flight", async () => {
    const dir = mkdtempSync(join(tmpdir(), "pqtls-e2e-counters-"));
    dirs.push(dir);
    const out = join(dir, "counters.jsonl");
    const r = await pqtls(
      [
        "run",
        "--config",
        "/dev/null",
        "--engine",
        "pqtls",
        "--variants",
        "x25519:rsa2048",
        "--rtt",
        "20ms",
        "--jitter",
        "4ms",
        "--rate",
        "20mbit",
        "--bytes",
        "0,64KiB",
        "--samples",
        "6",
        "--warmups",
        "1",
        "--lanes",
        "2",
        "--out",
        out,
        "--quiet",
        "--no-report",
      ],
      { timeoutMs: 120_000 },
    );
    expect(r.stderr).not.toMatch(/pqtls: (error|warning)/);
    expect(r.code).toBe(0);
    const rows = readFileSync(out, "utf8")
      .split("\n")
      .filter((l) => l !== "")
      .map((l) => JSON.parse(l) as Record<string, unknown>)
      .filter((x) => x.type === "row");
    expect(rows.length).toBe(12);
    for (const row of rows) {
      const link = row.link as Record<string, number>;
      const tcp = row.tcp as Record<string, number>;
      const where = `${row.cell} sample ${row.sample}: ${JSON.stringify(link)} ${JSON.stringify(tcp)}`;
      expect(row.ok, where).toBe(true);
      for (const dir of ["up", "down"] as const) {
        const unaccounted =
          link[`${dir}.packets`] -
          link[`${dir}.delivered`] -
          link[`${dir}.lost`] -
          link[`${dir}.overflow`] -
          link[`${dir}.stalls`];
        expect(link[`${dir}.delivered`], `${dir} delivered <= packets at ${where}`).toBeLessThanOrEqual(
          link[`${dir}.packets`],
        );
        expect(unaccounted, `${dir}: every packet read is delivered or counted as dropped at ${where}`).toBe(
          0,
        );
      }
      // The relay read what the sender's TCP sent, and delivered what the receiver's TCP received.
      expect(link["up.packets"], where).toBe(tcp["client.Tcp.OutSegs"]);
      expect(link["up.delivered"], where).toBe(tcp["server.Tcp.InSegs"]);
      expect(link["down.packets"], where).toBe(tcp["server.Tcp.OutSegs"]);
      expect(link["down.delivered"], where).toBe(tcp["client.Tcp.InSegs"]);
    }
  }, 150_000);
});
