// Handshake CPU and bulk throughput over loopback TCP, client and server in this process, for any
// node:tls-shaped stack. CPU is process.cpuUsage() (user + system) per handshake: both ends' work,
// TCP included, the same for every stack compared.

import { cpuUsage } from "node:process";
import { median } from "./measure.js";
import type { StackOptions, TlsLike, TlsServerLike, TlsSocketLike } from "./tls-like.js";

function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} did not finish within ${ms} ms`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

async function listening(
  tls: TlsLike,
  options: object,
  onSocket: (s: TlsSocketLike) => void,
): Promise<[TlsServerLike, number]> {
  const server = tls.createServer(options, onSocket);
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => resolve());
  });
  const address = server.address();
  if (!address || typeof address === "string") throw new Error("server has no TCP address");
  return [server, address.port];
}

/** Resolves on the socket's 'close' (at once if it already closed). */
function closed(socket: TlsSocketLike): Promise<void> {
  if ((socket as { closed?: boolean }).closed === true) return Promise.resolve();
  return new Promise((resolve) => socket.once("close", () => resolve()));
}

/**
 * One full connection: resolves when both ends have completed the handshake and then, with "destroy",
 * both sockets are destroyed, or with "graceful", both have called end() (close_notify, FIN) and both
 * have emitted 'close', as an application's connection ends.
 */
function handshakeOnce(
  tls: TlsLike,
  port: number,
  client: object,
  serverSide: Promise<TlsSocketLike>,
  close: "destroy" | "graceful",
): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    const socket = tls.connect({ ...client, host: "127.0.0.1", port }, () => {
      serverSide.then((s) => {
        if (close === "destroy") {
          socket.destroy();
          s.destroy();
          resolve();
          return;
        }
        // Both sides read to the end, so 'end' (and with it 'close') can arrive.
        socket.resume();
        s.resume();
        Promise.all([closed(socket), closed(s)]).then(() => resolve(), reject);
        s.end();
        socket.end();
      }, reject);
    });
    socket.once("error", reject);
  });
}

export interface HandshakeResult {
  handshakes: number;
  /** Client + server CPU per handshake, ms: the median of 5 rounds (a burst on a shared box hits one round). */
  cpuMs: number;
  /** Wall time per handshake, ms (median round). */
  wallMs: number;
}

/**
 * Runs handshakes for about `budgetMs` of wall time, in 5 rounds, after warming up for a third of
 * that (at least 2 handshakes). In a fresh process the first handshakes run unoptimized code: with
 * only 2 warm-up handshakes, the first scenario measured on Node 24 read 3.1 ms per handshake where the
 * same process later settles at ~2 ms, so a stack measured first in its process looked slower.
 */
export async function benchHandshakes(
  tls: TlsLike,
  options: StackOptions,
  budgetMs: number,
  close: "destroy" | "graceful" = "destroy",
): Promise<HandshakeResult> {
  let nextServerSocket: ((s: TlsSocketLike) => void) | undefined;
  let failure: ((e: Error) => void) | undefined;
  const [server, port] = await listening(tls, options.server, (s) => nextServerSocket?.(s));
  server.on("tlsClientError", (e: Error) => failure?.(e));
  const one = () => {
    const serverSide = new Promise<TlsSocketLike>((resolve, reject) => {
      nextServerSocket = resolve;
      failure = reject;
    });
    return withTimeout(handshakeOnce(tls, port, options.client, serverSide, close), 10_000, "a handshake");
  };
  try {
    const warmUntil = performance.now() + budgetMs / 3;
    let recent = 0;
    for (let n = 0; n < 2 || performance.now() < warmUntil; n++) {
      const t = performance.now();
      await one();
      recent = performance.now() - t;
    }
    const perRound = Math.max(2, Math.min(80, Math.round(budgetMs / 5 / recent)));
    const cpu: number[] = [];
    const wall: number[] = [];
    for (let round = 0; round < 5; round++) {
      const cpu0 = cpuUsage();
      const t0 = performance.now();
      for (let i = 0; i < perRound; i++) await one();
      const used = cpuUsage(cpu0);
      cpu.push((used.user + used.system) / 1000 / perRound);
      wall.push((performance.now() - t0) / perRound);
    }
    return { handshakes: perRound * 5, cpuMs: median(cpu), wallMs: median(wall) };
  } finally {
    server.close(); // not awaited: a stack that keeps a closed socket around must not stall the bench
  }
}

export interface BulkResult {
  bytes: number;
  seconds: number;
  mbPerSec: number;
  cpuMs: number;
  cipher: string;
}

/** Sends `bytes` from server to client in 16 KiB writes; times first write → last byte received. */
export async function benchBulk(tls: TlsLike, options: StackOptions, bytes: number): Promise<BulkResult> {
  const chunk = new Uint8Array(16384).fill(0x5a);
  const [server, port] = await listening(tls, options.server, (s) => {
    let sent = 0;
    const pump = () => {
      while (sent < bytes) {
        const n = Math.min(chunk.length, bytes - sent);
        sent += n;
        if (!s.write(n === chunk.length ? chunk : chunk.subarray(0, n))) {
          s.once("drain", pump);
          return;
        }
      }
      s.end();
    };
    // Start once the client says it is ready (one byte), so the handshake is not timed.
    s.once("data", pump);
  });
  try {
    return await withTimeout(
      new Promise<BulkResult>((resolve, reject) => {
        let received = 0;
        let t0 = 0;
        let cpu0: NodeJS.CpuUsage;
        const socket = tls.connect({ ...options.client, host: "127.0.0.1", port }, () => {
          cpu0 = cpuUsage();
          t0 = performance.now();
          socket.write(Uint8Array.of(1));
        });
        socket.on("data", (data: Uint8Array) => {
          received += data.length;
          if (received >= bytes) {
            const seconds = (performance.now() - t0) / 1000;
            const cpu = cpuUsage(cpu0);
            const cipher = socket.getCipher()?.standardName ?? socket.getCipher()?.name ?? "?";
            socket.destroy();
            resolve({
              bytes,
              seconds,
              mbPerSec: bytes / 1e6 / seconds,
              cpuMs: (cpu.user + cpu.system) / 1000,
              cipher,
            });
          }
        });
        socket.once("error", reject);
      }),
      120_000,
      "the bulk transfer",
    );
  } finally {
    server.close();
  }
}
