// Endpoint doubles for runner tests that mock ../src/run/endpoints.js (no endpoint processes): a
// server that is up at once, or after a delay, and the measurement of a successful connection.
import { failedMeasurement, type Measurement } from "../src/run/endpoint/protocol.js";

/** A server process that starts at once; `FakeServer.starting(wait)` makes one that waits first. */
export class FakeServer {
  pid = 0;
  alive = true;
  /** A port per server it was started with, as a ServerProcess has. */
  constructor(readonly ports: number[] = [4433]) {}
  static async start(_lane?: unknown, _rt?: unknown, o?: unknown[]): Promise<FakeServer> {
    return new FakeServer((o ?? [null]).map((_, i) => 4433 + i));
  }
  /** A server class whose start waits `wait(signal)` first (all lanes starting at once, as for real). */
  static starting(wait: (signal?: AbortSignal) => Promise<void>): typeof FakeServer {
    return class extends FakeServer {
      static override async start(_lane?: unknown, _rt?: unknown, o?: unknown[], signal?: AbortSignal) {
        await wait(signal);
        return new FakeServer((o ?? [null]).map((_, i) => 4433 + i));
      }
    };
  }
  async errorFor(): Promise<null> {
    return null;
  }
  async tcpInfoFor(): Promise<null> {
    return null;
  }
  kill(): void {}
  async stop(): Promise<void> {}
}

/** A successful connection of group `kex` whose last byte arrived `ttlbMs` after t0. */
export function okMeasurement(kex: string, ttlbMs: number): Measurement {
  return {
    ...failedMeasurement(null),
    ok: true,
    tcp_connect_ms: 1,
    handshake_ms: ttlbMs - 1,
    ttfb_ms: ttlbMs,
    ttlb_ms: ttlbMs,
    close_ms: ttlbMs + 1,
    hs_bytes_c2s: 300,
    hs_bytes_s2c: 1500,
    group: kex,
    suite: "TLS_AES_128_GCM_SHA256",
  };
}
