// Test helpers: generated chains (cached per algorithm) and an in-memory transport pair.

import { Duplex } from "node:stream";
import { type ChainAlgorithm, type GeneratedChain, generateChain } from "../src/x509/index.js";

const chains = new Map<string, GeneratedChain>();

/** A root → leaf chain for "localhost" (cached; generation of RSA keys is slow). */
export function testChain(sig: ChainAlgorithm, depth = 2): GeneratedChain {
  const k = `${sig}/${depth}`;
  let c = chains.get(k);
  if (!c) {
    c = generateChain({ sig, depth, hostnames: ["localhost", "server.test"], ipAddresses: ["127.0.0.1"] });
    chains.set(k, c);
  }
  return c;
}

/** Two connected in-memory Duplex streams (what one writes, the other reads). */
export function duplexPair(): [Duplex, Duplex] {
  let a!: Duplex;
  let b!: Duplex;
  const make = (peer: () => Duplex) =>
    new Duplex({
      allowHalfOpen: true,
      read() {},
      write(chunk, _enc, cb) {
        const p = peer();
        setImmediate(() => {
          if (!p.destroyed) p.push(chunk);
          cb();
        });
      },
      final(cb) {
        const p = peer();
        setImmediate(() => {
          if (!p.destroyed) p.push(null);
          cb();
        });
      },
    });
  a = make(() => b);
  b = make(() => a);
  return [a, b];
}

/** Resolves with the first of the events, rejects on 'error' or after ms. */
export function once<T = unknown>(emitter: NodeJS.EventEmitter, event: string, ms = 10_000): Promise<T> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`timeout waiting for ${event}`)), ms);
    emitter.once(event, (v: T) => {
      clearTimeout(timer);
      resolve(v);
    });
    if (event !== "error")
      emitter.once("error", (e: Error) => {
        clearTimeout(timer);
        reject(e);
      });
  });
}

export function readAll(stream: NodeJS.ReadableStream, ms = 30_000): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const parts: Buffer[] = [];
    const timer = setTimeout(() => reject(new Error("timeout reading")), ms);
    stream.on("data", (c: Buffer) => parts.push(c));
    stream.on("end", () => {
      clearTimeout(timer);
      resolve(Buffer.concat(parts));
    });
    stream.on("error", (e) => {
      clearTimeout(timer);
      reject(e);
    });
  });
}
