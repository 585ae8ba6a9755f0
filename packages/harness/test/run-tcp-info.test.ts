// The TCP_INFO reader the endpoint programs use (run/endpoint/tcp-info.ts over native/tcpinfo.c):
// on a loopback connection it reports what the transfer did, and it answers null, never garbage,
// for what is not a TCP socket.
import { closeSync, openSync } from "node:fs";
import net from "node:net";
import { TCP_INFO_FIELDS } from "@pqtls/report";
import { describe, expect, it } from "vitest";
import { socketFd, tcpInfo, tcpInfoAvailable } from "../src/run/endpoint/tcp-info.js";

const skipWhy = tcpInfoAvailable()
  ? null
  : "the TCP_INFO addon is not built (native/build/pqtls-tcpinfo.node: no C compiler or Node-API headers)";
if (skipWhy) console.warn(`skipped: ${skipWhy}`);

describe.skipIf(skipWhy !== null)("tcpInfo", () => {
  it("reads both ends of a loopback transfer: bytes, MSS, no retransmission", async () => {
    const bytes = 300_000;
    let serverFd: number | null = null;
    let serverEnd: (info: ReturnType<typeof tcpInfo>) => void = () => {};
    const serverInfoP = new Promise<ReturnType<typeof tcpInfo>>((r) => {
      serverEnd = r;
    });
    const server = net.createServer((s) => {
      serverFd = socketFd(s);
      s.on("data", () => {});
      // The client's FIN: every byte sent has been acknowledged by then.
      s.on("end", () => {
        serverEnd(tcpInfo(serverFd));
        s.end();
      });
      s.write(Buffer.alloc(bytes, 1), () => s.end());
    });
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    const port = (server.address() as net.AddressInfo).port;
    const client = net.connect(port, "127.0.0.1");
    const fd = await new Promise<number | null>((r) => client.once("connect", () => r(socketFd(client))));
    let received = 0;
    client.on("data", (c: Buffer) => {
      received += c.length;
    });
    const clientInfo = await new Promise<ReturnType<typeof tcpInfo>>((r) =>
      client.once("end", () => {
        const info = tcpInfo(fd);
        client.end();
        r(info);
      }),
    );
    const serverInfo = await serverInfoP;
    server.close();
    expect(received).toBe(bytes);
    expect(clientInfo).not.toBeNull();
    expect(serverInfo).not.toBeNull();
    for (const f of TCP_INFO_FIELDS) {
      expect(clientInfo, f).toHaveProperty(f);
      expect(serverInfo, f).toHaveProperty(f);
    }
    // The kernel counts the FIN as one byte received.
    expect(clientInfo!.bytes_received).toBe(bytes + 1);
    expect(serverInfo!.bytes_sent).toBe(bytes);
    expect(serverInfo!.bytes_acked).toBeGreaterThanOrEqual(bytes);
    expect(serverInfo!.total_retrans).toBe(0);
    expect(serverInfo!.data_segs_out).toBeGreaterThanOrEqual(Math.ceil(bytes / serverInfo!.snd_mss!));
    expect(serverInfo!.snd_cwnd).toBeGreaterThan(0);
  });

  it("is null for no descriptor, a closed one and a file", () => {
    expect(tcpInfo(null)).toBeNull();
    expect(tcpInfo(1_000_000)).toBeNull();
    const file = openSync("/dev/null", "r");
    try {
      expect(tcpInfo(file)).toBeNull();
    } finally {
      closeSync(file);
    }
  });
});
