// Abridged certificate compression (draft-ietf-tls-cert-abridge): an RFC 8879 algorithm in two
// passes over the Certificate message body.
//
// Pass 1: every cert_data bitwise equal to a certificate in a shared, ordered list of CA
// certificates becomes its three-byte identifier, 0xff ‖ uint16 index; request context,
// CertificateEntry extensions and unknown certificates stay as they are.
// Pass 2: the result is compressed with Zstandard and a shared dictionary.
//
// The draft builds the list from the CCADB (intermediates and roots trusted for TLS server
// authentication, ordered by when each was added to the CCADB, ties broken by SHA-256 fingerprint)
// and the dictionary from those CAs' names and key identifiers, the CT log ids, and extensions of one
// end-entity certificate per issuer seen in CT. This machine cannot reach the CCADB or CT, so
// `buildAbridgedScheme` builds both from the experiment's own PKI, by the same rules where they
// apply: the list ordered by notBefore (standing in for the CCADB date) then fingerprint; the
// dictionary from each listed CA's subject (the issuer name of what it signs) and its authority key
// identifier extension, then the AIA, certificate policies, CRL distribution points and freshest CRL
// extensions of sample end-entity certificates. No CT log ids: the experiment has no logs.
//
// Zstandard with a dictionary comes from @toondepauw/node-zstd (node:zlib's zstd has no dictionary
// option, and none before Node 22.15). Its decoder has no output limit, so before decoding the frame
// is walked block by block and refused if it could expand past the announced length.

import { createHash } from "node:crypto";
import { Decoder, Encoder } from "@toondepauw/node-zstd";
import { TlsAlert } from "../errors.js";
import { Reader, Writer } from "../wire/bytes.js";
import { AlertDescription } from "../wire/codepoints.js";
import type { Certificate } from "./certificate.js";

/** A pass-1 list and pass-2 dictionary both ends share (one RFC 8879 codepoint per version). */
export interface AbridgedScheme {
  /** CA certificates (DER) in list order: index i has identifier 0xff ‖ uint16(i). */
  readonly list: readonly Uint8Array[];
  /** The Zstandard dictionary for pass 2. */
  readonly dictionary: Uint8Array;
}

const IDENTIFIER_PREFIX = 0xff;
const MAX_LIST = 0x10000;
/** The draft recommends level 22 (the maximum) for a server that compresses its chain once. */
const ZSTD_LEVEL = 22;
const EXT_AKI = "2.5.29.35";
const DICTIONARY_EXTENSIONS = [
  "1.3.6.1.5.5.7.1.1", // authority information access
  "2.5.29.32", // certificate policies
  "2.5.29.31", // CRL distribution points
  "2.5.29.46", // freshest CRL
];

const sha256 = (b: Uint8Array) => createHash("sha256").update(b).digest();
const key = (b: Uint8Array) => Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString("base64");

/** DER of a whole Extension (extnID, critical omitted, extnValue) for the dictionary. */
function extensionDer(oid: string, value: Uint8Array): Uint8Array {
  const oidBody = encodeOid(oid);
  const tlv = (tag: number, body: Uint8Array) =>
    Buffer.concat([Buffer.from([tag]), derLength(body.length), body]);
  return tlv(0x30, Buffer.concat([tlv(0x06, oidBody), tlv(0x04, value)]));
}
function derLength(n: number): Buffer {
  if (n < 0x80) return Buffer.from([n]);
  const bytes: number[] = [];
  for (let v = n; v > 0; v >>= 8) bytes.unshift(v & 0xff);
  return Buffer.from([0x80 | bytes.length, ...bytes]);
}
function encodeOid(oid: string): Buffer {
  const parts = oid.split(".").map(Number);
  const out = [40 * parts[0] + parts[1]];
  for (const p of parts.slice(2)) {
    const digits: number[] = [];
    for (let v = p; ; v = Math.floor(v / 128)) {
      digits.unshift((v % 128) | (digits.length ? 0x80 : 0));
      if (v < 128) break;
    }
    out.push(...digits);
  }
  return Buffer.from(out);
}

/**
 * The list and dictionary for a PKI: `cas` are its intermediates and roots (duplicates dropped),
 * `sampleLeaves` optional end-entity certificates standing in for the draft's CT sample.
 */
export function buildAbridgedScheme(
  cas: readonly Certificate[],
  sampleLeaves: readonly Certificate[] = [],
): AbridgedScheme {
  const unique = new Map<string, { cert: Certificate; fingerprint: Buffer }>();
  for (const c of cas) {
    const fingerprint = sha256(c.der);
    unique.set(fingerprint.toString("hex"), { cert: c, fingerprint });
  }
  const ordered = [...unique.values()].sort(
    (a, b) =>
      a.cert.notBefore.getTime() - b.cert.notBefore.getTime() || Buffer.compare(a.fingerprint, b.fingerprint),
  );
  if (ordered.length > MAX_LIST)
    throw new RangeError(`an abridged list holds at most ${MAX_LIST} certificates`);
  const parts: Uint8Array[] = [];
  // Stage 1: per listed CA (in list order) what a certificate it issued repeats: its name, as
  // issuer, and the authority key identifier pointing at its key.
  for (const { cert } of ordered) {
    parts.push(cert.subjectDer);
    if (cert.subjectKeyId) {
      const aki = Buffer.concat([
        Buffer.from([0x30]),
        derLength(cert.subjectKeyId.length + 2),
        Buffer.from([0x80]),
        derLength(cert.subjectKeyId.length),
        cert.subjectKeyId,
      ]);
      parts.push(extensionDer(EXT_AKI, aki));
    }
  }
  // Stage 2 (CT log ids): none in this experiment. Stage 3: sample end-entity extensions.
  for (const leaf of sampleLeaves)
    for (const oid of DICTIONARY_EXTENSIONS) {
      const e = leaf.extensions.find((x) => x.oid === oid);
      if (e) parts.push(extensionDer(oid, e.value));
    }
  return { list: ordered.map((o) => o.cert.der), dictionary: Buffer.concat(parts) };
}

// ---- pass 1 ----------------------------------------------------------------------------------------

const listIndex = new WeakMap<AbridgedScheme, Map<string, number>>();
function indexOf(scheme: AbridgedScheme): Map<string, number> {
  let m = listIndex.get(scheme);
  if (!m) {
    // The draft lets a compressor keep only hashes of the list: a cryptographic hash, as it asks.
    m = new Map(scheme.list.map((der, i) => [key(sha256(der)), i]));
    listIndex.set(scheme, m);
  }
  return m;
}

/** Rewrites each CertificateEntry's cert_data through `map`, correcting every length. */
function mapEntries(body: Uint8Array, what: string, map: (certData: Uint8Array) => Uint8Array): Uint8Array {
  const r = new Reader(body, what);
  const context = r.vec8();
  const list = r.sub24(0, 0xffffff, `${what} certificate_list`);
  r.expectEnd();
  const w = new Writer(body.length + 64).vec8(context).begin(3);
  while (!list.atEnd()) {
    const certData = list.vec24(1);
    const extensions = list.vec16();
    w.vec24(map(certData)).vec16(extensions);
  }
  return w.end().finish().slice();
}

/** Pass 1 on a Certificate message body: listed certificates become their identifiers. */
export function abridgePass1(scheme: AbridgedScheme, certificateBody: Uint8Array): Uint8Array {
  const index = indexOf(scheme);
  return mapEntries(certificateBody, "Certificate", (der) => {
    const i = index.get(key(sha256(der)));
    return i === undefined ? der : Uint8Array.of(IDENTIFIER_PREFIX, i >> 8, i & 0xff);
  });
}

/** Pass 1 reversed: identifiers become their certificates; unknown identifiers stay (the draft). */
export function expandPass1(scheme: AbridgedScheme, abridgedBody: Uint8Array): Uint8Array {
  return mapEntries(abridgedBody, "abridged Certificate", (data) => {
    if (data.length !== 3 || data[0] !== IDENTIFIER_PREFIX) return data;
    return scheme.list[(data[1] << 8) | data[2]] ?? data;
  });
}

// ---- pass 2 ----------------------------------------------------------------------------------------

const encoders = new WeakMap<AbridgedScheme, { encoder: Encoder; decoder: Decoder }>();
function codec(scheme: AbridgedScheme) {
  let c = encoders.get(scheme);
  if (!c) {
    const dict = scheme.dictionary.length ? Buffer.from(scheme.dictionary) : undefined;
    c = { encoder: new Encoder(ZSTD_LEVEL, dict), decoder: new Decoder(dict) };
    encoders.set(scheme, c);
  }
  return c;
}

/** The compressed_certificate_message for a Certificate message body: pass 1, then pass 2. */
export function abridgedCompress(scheme: AbridgedScheme, certificateBody: Uint8Array): Uint8Array {
  const out = codec(scheme).encoder.encodeSync(Buffer.from(abridgePass1(scheme, certificateBody)));
  return new Uint8Array(out.buffer, out.byteOffset, out.byteLength);
}

const bad = (reason: string) =>
  new TlsAlert(AlertDescription.bad_certificate, `abridged certificate: ${reason}`);

/**
 * The most a single Zstandard frame can decompress to, from its block headers (RFC 8878 §3.1.1):
 * raw and RLE blocks state their size, a compressed block is at most 128 KiB. Anything but exactly
 * one frame (no skippable frames, no trailing bytes) is refused.
 */
export function zstdFrameBound(frame: Uint8Array): number {
  if (frame.length < 6 || frame[0] !== 0x28 || frame[1] !== 0xb5 || frame[2] !== 0x2f || frame[3] !== 0xfd)
    throw bad("pass 2 is not a Zstandard frame");
  const fhd = frame[4];
  const singleSegment = (fhd >> 5) & 1;
  const checksum = (fhd >> 2) & 1;
  const dictIdSize = [0, 1, 2, 4][fhd & 3];
  const fcsSize = [singleSegment ? 1 : 0, 2, 4, 8][fhd >> 6];
  let at = 5 + (singleSegment ? 0 : 1) + dictIdSize + fcsSize;
  let bound = 0;
  for (;;) {
    if (at + 3 > frame.length) throw bad("truncated Zstandard block header");
    const h = frame[at] | (frame[at + 1] << 8) | (frame[at + 2] << 16);
    at += 3;
    const last = h & 1;
    const type = (h >> 1) & 3;
    const size = h >>> 3;
    if (type === 3) throw bad("reserved Zstandard block type");
    if (size > 128 * 1024) throw bad("Zstandard block larger than 128 KiB");
    bound += type === 2 ? 128 * 1024 : size;
    at += type === 1 ? 1 : size;
    if (at > frame.length) throw bad("truncated Zstandard block");
    if (last) break;
  }
  if (checksum) at += 4;
  if (at !== frame.length) throw bad("bytes after the Zstandard frame");
  return bound;
}

/**
 * The Certificate message body from an abridged compressed_certificate_message. Corrupt data, a
 * frame that could expand past `uncompressedLength`, or a result of another length is bad_certificate
 * (RFC 8879 §4); the length check applies to the expanded message, as uncompressed_length describes it.
 */
export function abridgedDecompress(
  scheme: AbridgedScheme,
  data: Uint8Array,
  uncompressedLength: number,
): Uint8Array {
  // Pass 1 only shrinks (a certificate becomes 3 bytes), so pass 2's output is at most the message.
  if (zstdFrameBound(data) > uncompressedLength + 128 * 1024)
    throw bad(`pass 2 could expand past the announced ${uncompressedLength} bytes`);
  let pass1: Buffer;
  try {
    pass1 = codec(scheme).decoder.decodeSync(Buffer.from(data));
  } catch (e) {
    throw new TlsAlert(
      AlertDescription.bad_certificate,
      `abridged certificate: corrupt data: ${(e as Error).message}`,
      {
        cause: e,
      },
    );
  }
  if (pass1.length > uncompressedLength)
    throw bad(`pass 2 gives more than the announced ${uncompressedLength} bytes`);
  let body: Uint8Array;
  try {
    body = expandPass1(scheme, pass1);
  } catch (e) {
    throw new TlsAlert(AlertDescription.bad_certificate, `abridged certificate: ${(e as Error).message}`, {
      cause: e,
    });
  }
  if (body.length !== uncompressedLength)
    throw bad(`expanded to ${body.length} bytes, but uncompressed_length says ${uncompressedLength}`);
  return body;
}
