// A deliberately separate, minimal ClientHello reader for interop tests: it watches the bytes a
// foreign client (Chromium, ...) sends, so a test can say what that client offered without trusting
// the parser under test.

import type { Duplex } from "node:stream";

export interface OfferedHello {
  /** supported_groups (10), GREASE included, in the client's order. */
  groups: number[];
  /** Groups that carry a key_share (51). */
  keyShareGroups: number[];
  /** compress_certificate (27) algorithms, or undefined when not offered. */
  certificateCompression?: number[];
  /** Extension types in order. */
  extensions: number[];
}

const u16 = (b: Buffer, o: number) => b.readUInt16BE(o);

function u16List(data: Buffer, lengthBytes: 1 | 2): number[] {
  const len = lengthBytes === 1 ? data[0] : u16(data, 0);
  const out: number[] = [];
  for (let o = lengthBytes; o < lengthBytes + len; o += 2) out.push(u16(data, o));
  return out;
}

/** Parses a ClientHello handshake message body (after the 4-byte header). */
export function parseOfferedHello(body: Buffer): OfferedHello {
  let o = 2 + 32; // legacy_version, random
  o += 1 + body[o]; // legacy_session_id
  o += 2 + u16(body, o); // cipher_suites
  o += 1 + body[o]; // legacy_compression_methods
  const end = o + 2 + u16(body, o);
  o += 2;
  const hello: OfferedHello = { groups: [], keyShareGroups: [], extensions: [] };
  while (o < end) {
    const type = u16(body, o);
    const data = body.subarray(o + 4, o + 4 + u16(body, o + 2));
    o += 4 + data.length;
    hello.extensions.push(type);
    if (type === 10) hello.groups = u16List(data, 2);
    else if (type === 27) hello.certificateCompression = u16List(data, 1);
    else if (type === 51) {
      for (let k = 2; k < 2 + u16(data, 0); k += 4 + u16(data, k + 2))
        hello.keyShareGroups.push(u16(data, k));
    }
  }
  return hello;
}

/**
 * Resolves with the first ClientHello read from `transport` (reassembled across TCP chunks and
 * records); listens alongside whoever else reads the stream. Rejects after ms.
 */
export function captureClientHello(transport: Duplex, ms = 10_000): Promise<OfferedHello> {
  return new Promise((resolve, reject) => {
    let records = Buffer.alloc(0);
    let handshake = Buffer.alloc(0);
    const timer = setTimeout(() => {
      transport.off("data", on);
      reject(new Error("no ClientHello seen"));
    }, ms);
    const on = (chunk: Buffer) => {
      records = Buffer.concat([records, chunk]);
      while (records.length >= 5 && records.length >= 5 + u16(records, 3)) {
        const len = u16(records, 3);
        if (records[0] === 22) handshake = Buffer.concat([handshake, records.subarray(5, 5 + len)]);
        records = records.subarray(5 + len);
      }
      if (handshake.length >= 4 && handshake.length >= 4 + handshake.readUIntBE(1, 3)) {
        clearTimeout(timer);
        transport.off("data", on);
        if (handshake[0] !== 1) reject(new Error(`first handshake message is type ${handshake[0]}`));
        else resolve(parseOfferedHello(handshake.subarray(4, 4 + handshake.readUIntBE(1, 3))));
      }
    };
    transport.on("data", on);
  });
}
