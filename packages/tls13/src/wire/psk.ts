// Codecs of the resumption extensions and messages (RFC 8446 §4.2.9 psk_key_exchange_modes,
// §4.2.10 early_data, §4.2.11 pre_shared_key, §4.5 EndOfEarlyData). Pure byte work: which message
// may carry which extension is extension_rules.ts' table, applied by each message's typed codec.

import { decodeError } from "../errors.js";
import { type Bytes, Reader, Writer } from "./bytes.js";
import { HandshakeType } from "./codepoints.js";
import { frameHandshake, type HandshakeMessage } from "./handshake.js";

export interface PskIdentity {
  identity: Bytes;
  obfuscatedTicketAge: number;
}

export interface OfferedPsks {
  identities: PskIdentity[];
  binders: Bytes[];
  /** Bytes of the binders list on the wire (its 2-byte length included): what the binder hash leaves out. */
  bindersLength: number;
}

export function encodePskModes(modes: readonly number[], w: Writer): void {
  w.begin(1);
  for (const m of modes) w.u8(m);
  w.end();
}

export function decodePskModes(data: Bytes): number[] {
  const r = new Reader(data, "psk_key_exchange_modes");
  const list = r.vec8(1);
  r.expectEnd();
  return [...list];
}

/** Bytes of the binders list for binders of these lengths (2-byte length, then 1-byte length each). */
export function bindersListLength(binderLengths: readonly number[]): number {
  return 2 + binderLengths.reduce((n, l) => n + 1 + l, 0);
}

export function encodePreSharedKeyClient(
  identities: readonly PskIdentity[],
  binders: readonly Bytes[],
  w: Writer,
): void {
  w.begin(2);
  for (const id of identities) w.vec16(id.identity).u32(id.obfuscatedTicketAge >>> 0);
  w.end();
  w.begin(2);
  for (const b of binders) w.vec8(b);
  w.end();
}

export function decodePreSharedKeyClient(data: Bytes): OfferedPsks {
  const r = new Reader(data, "pre_shared_key");
  const ids = r.sub16(7, 0xffff, "pre_shared_key identities");
  const identities: PskIdentity[] = [];
  while (!ids.atEnd()) identities.push({ identity: ids.vec16(1), obfuscatedTicketAge: ids.u32() });
  const before = r.remaining;
  const bl = r.sub16(33, 0xffff, "pre_shared_key binders");
  const binders: Bytes[] = [];
  while (!bl.atEnd()) binders.push(bl.vec8(32));
  const bindersLength = before - r.remaining;
  r.expectEnd();
  if (binders.length !== identities.length)
    throw decodeError(`pre_shared_key: ${identities.length} identities but ${binders.length} binders`);
  return { identities, binders, bindersLength };
}

export function encodePreSharedKeyServer(selected: number, w: Writer): void {
  w.u16(selected);
}

export function decodePreSharedKeyServer(data: Bytes): number {
  const r = new Reader(data, "pre_shared_key");
  const v = r.u16();
  r.expectEnd();
  return v;
}

/** early_data in NewSessionTicket: max_early_data_size. */
export function encodeMaxEarlyData(size: number, w: Writer): void {
  w.u32(size);
}

export function decodeMaxEarlyData(data: Bytes): number {
  const r = new Reader(data, "early_data");
  const v = r.u32();
  r.expectEnd();
  return v;
}

/** early_data in ClientHello / EncryptedExtensions is empty. */
export function expectEmptyEarlyData(data: Bytes): void {
  if (data.length !== 0) throw decodeError(`early_data of ${data.length} bytes`);
}

export function serializeEndOfEarlyData(): HandshakeMessage {
  return frameHandshake(HandshakeType.end_of_early_data, new Uint8Array(0));
}

export function parseEndOfEarlyData(body: Bytes): void {
  if (body.length !== 0) throw decodeError(`EndOfEarlyData of ${body.length} bytes`);
}

/** A Writer-built extension body. */
export function extensionBody(write: (w: Writer) => void): Bytes {
  const w = new Writer(64);
  write(w);
  return w.finish();
}
