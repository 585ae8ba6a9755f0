// End to end: each row's `tcp_info` (getsockopt TCP_INFO of the client at its last body byte and of
// the server at the client's FIN) describes that row's connection, for both engines, checked against
// what the run configured and against the runner's independent per-namespace counters.
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type Row, TCP_INFO_FIELDS, type TcpInfo } from "@pqtls/report";
import { afterAll, describe, expect, it } from "vitest";
import { pqtls, tunLinkSkipReason } from "../cli.js";

const skipWhy = tunLinkSkipReason("tcp_info end-to-end test");
const dirs: string[] = [];
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

describe.skipIf(skipWhy !== null)("tcp_info per row (tun, both engines)", () => {
  it("has both ends' TCP_INFO, matching the link's MTU and RTT, the bytes moved and the retransmissions", async () => {
    const dir = mkdtempSync(join(tmpdir(), "pqtls-e2e-tcpinfo-"));
    dirs.push(dir);
    const out = join(dir, "tcpinfo.jsonl");
    const rttMs = 20;
    const r = await pqtls(
      [
        "run",
        "--config",
        "/dev/null",
        "--engine",
        "pqtls,openssl",
        "--variants",
        "x25519:rsa2048,X25519MLKEM768:mldsa65",
        "--rtt",
        `${rttMs}ms`,
        "--rate",
        "20mbit",
        "--loss",
        "3%",
        "--mtu",
        "1500",
        "--bytes",
        "0,64KiB",
        "--samples",
        "3",
        "--warmups",
        "1",
        "--lanes",
        "2",
        "--out",
        out,
        "--quiet",
        "--no-report",
      ],
      { timeoutMs: 150_000 },
    );
    expect(r.stderr).not.toMatch(/pqtls: (error|warning)/);
    expect(r.code).toBe(0);
    const rows = readFileSync(out, "utf8")
      .split("\n")
      .filter((l) => l !== "")
      .map((l) => JSON.parse(l) as Row & { type: string })
      .filter((x) => x.type === "row" && x.ok);
    expect(rows.length).toBeGreaterThanOrEqual(20); // 24 planned; a 3 % loss link may fail one
    let retransInfo = 0;
    let retransCounters = 0;
    for (const row of rows) {
      const where = `${row.engine} ${row.kex} ${row.bytes} sample ${row.sample}`;
      const { client, server } = row.tcp_info as { client: TcpInfo; server: TcpInfo };
      expect(client, where).toBeTruthy();
      expect(server, where).toBeTruthy();
      for (const f of TCP_INFO_FIELDS) {
        expect(client, `${where}: client.${f}`).toHaveProperty(f);
        expect(server, `${where}: server.${f}`).toHaveProperty(f);
      }
      // MTU 1500 with TCP timestamps: 1500 - 20 (IP) - 20 (TCP) - 12 (timestamps).
      expect(client.snd_mss, where).toBe(1448);
      expect(server.snd_mss, where).toBe(1448);
      // The relay never releases a packet early: no RTT sample below the configured one.
      expect(server.min_rtt_us!, where).toBeGreaterThanOrEqual(rttMs * 1000 * 0.99);
      expect(client.min_rtt_us!, where).toBeGreaterThanOrEqual(rttMs * 1000 * 0.99);
      // At the handshake's end the client has read exactly the handshake's bytes.
      if (row.bytes === 0) expect(client.bytes_received, where).toBe(row.hs_bytes_s2c);
      // Handshake and response reached the client, and were acknowledged by the client's FIN.
      expect(client.bytes_received!, where).toBeGreaterThanOrEqual(row.hs_bytes_s2c! + row.bytes);
      expect(server.bytes_acked!, where).toBeGreaterThanOrEqual(row.hs_bytes_s2c! + row.bytes);
      // The server's retransmissions are among those its namespace counted over the row's window.
      const counted = (row.tcp as Record<string, number>)["server.Tcp.RetransSegs"];
      expect(server.total_retrans!, where).toBeLessThanOrEqual(counted);
      retransInfo += server.total_retrans!;
      retransCounters += counted;
    }
    // 3 % loss over ~24 connections retransmits, and nearly all of it happens before the client's FIN.
    expect(retransCounters).toBeGreaterThan(0);
    expect(retransInfo).toBeGreaterThanOrEqual(0.75 * retransCounters);
  }, 180_000);
});
