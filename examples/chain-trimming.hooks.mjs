// Chain trimming, as @pqtls/tls13 experiment hooks, for a mechanism the library does not have: an
// RFC 7924-style cached-information exchange (the library's own CA suppression, the
// draft-kampanakis-tls-scas flag, is the `suppressCaCertificates` option). The client remembers
// the intermediate certificates it has seen and lists their SHA-256 in a private ClientHello
// extension; the server
// leaves those out of its Certificate message; the client puts them back before the chain is
// verified. The transcript covers what was really sent, so Finished still verifies on both sides.
//
// A post-quantum intermediate is ~5.6 KB (ML-DSA-65): one less in every handshake.
//
// Used by examples/chain-trimming.mjs through the runner (`pqtls run --hooks none,<this file>`);
// any program can pass these objects as `hooks` to connect() / createServer().

import { createHash } from "node:crypto";
import { parseCertificate } from "@pqtls/tls13";

/** A private-use extension codepoint (RFC 8446 §4.2: 65282-65535 are reserved for private use). */
export const CACHED_INTERMEDIATES = 0xfff0;

const sha256 = (b) => createHash("sha256").update(b).digest();
const u16 = (n) => Buffer.from([n >> 8, n & 0xff]);
const u24 = (n) => Buffer.from([n >> 16, (n >> 8) & 0xff, n & 0xff]);

/** Splits a ClientHello body into [prefix up to the extensions block, [{type, bytes}]]. */
function clientHelloExtensions(body) {
  const b = Buffer.from(body);
  let at = 2 + 32;
  at += 1 + b[at]; // legacy_session_id
  at += 2 + b.readUInt16BE(at); // cipher_suites
  at += 1 + b[at]; // legacy_compression_methods
  const exts = [];
  for (let p = at + 2; p < b.length; ) {
    const len = b.readUInt16BE(p + 2);
    exts.push({ type: b.readUInt16BE(p), bytes: b.subarray(p, p + 4 + len) });
    p += 4 + len;
  }
  return [b.subarray(0, at), exts];
}

/** Certificate body (RFC 8446 §4.4.2) → { context, entries: [{ der, extensions }] }, and back. */
function parseCertificateBody(body) {
  const b = Buffer.from(body);
  const context = b.subarray(1, 1 + b[0]);
  let at = 1 + b[0] + 3;
  const entries = [];
  while (at < b.length) {
    const len = b.readUIntBE(at, 3);
    const der = b.subarray(at + 3, at + 3 + len);
    at += 3 + len;
    const extLen = b.readUInt16BE(at);
    entries.push({ der, extensions: b.subarray(at, at + 2 + extLen) });
    at += 2 + extLen;
  }
  return { context, entries };
}
function serializeCertificateBody({ context, entries }) {
  const list = Buffer.concat(entries.flatMap((e) => [u24(e.der.length), e.der, e.extensions]));
  return Buffer.concat([Buffer.from([context.length]), context, u24(list.length), list]);
}

// ---- client --------------------------------------------------------------------------------------

/** Intermediates seen so far (this process), by subject name DER (hex). */
const cache = new Map();

export const client = {
  onSend(msg) {
    if (msg.type !== "client_hello" || cache.size === 0) return;
    const [prefix, exts] = clientHelloExtensions(msg.body);
    const hashes = Buffer.concat([...cache.values()].map(sha256));
    const ours = Buffer.concat([
      u16(CACHED_INTERMEDIATES),
      u16(hashes.length + 2),
      u16(hashes.length),
      hashes,
    ]);
    // First, so pre_shared_key (which must be last) stays last.
    const all = Buffer.concat([ours, ...exts.map((e) => e.bytes)]);
    return Buffer.concat([prefix, u16(all.length), all]);
  },
  onReceive(msg) {
    if (msg.type !== "certificate") return;
    const cert = parseCertificateBody(msg.body);
    if (cert.entries.length === 0) return;
    // Remember the intermediates this server sent ...
    for (const e of cert.entries.slice(1))
      cache.set(Buffer.from(parseCertificate(e.der).subjectDer).toString("hex"), e.der);
    // ... and put back the ones it left out: follow issuer names through the cache.
    let last = parseCertificate(cert.entries.at(-1).der);
    let added = 0;
    for (;;) {
      const der = cache.get(Buffer.from(last.issuerDer).toString("hex"));
      if (!der || cert.entries.some((e) => e.der.equals(der))) break;
      cert.entries.push({ der, extensions: u16(0) });
      last = parseCertificate(der);
      added++;
    }
    return added ? serializeCertificateBody(cert) : undefined;
  },
};

// ---- server --------------------------------------------------------------------------------------

export const server = {
  onReceive(msg, ctx) {
    if (msg.type !== "client_hello") return;
    const [, exts] = clientHelloExtensions(msg.body);
    const ours = exts.find((e) => e.type === CACHED_INTERMEDIATES);
    const cached = new Set();
    if (ours)
      for (let p = 6; p + 32 <= ours.bytes.length; p += 32)
        cached.add(ours.bytes.subarray(p, p + 32).toString("hex"));
    ctx.state.cached = cached;
  },
  onSend(msg, ctx) {
    if (msg.type !== "certificate" || !ctx.state.cached?.size) return;
    const cert = parseCertificateBody(msg.body);
    const kept = cert.entries.filter(
      (e, i) => i === 0 || !ctx.state.cached.has(sha256(e.der).toString("hex")),
    );
    if (kept.length === cert.entries.length) return;
    return serializeCertificateBody({ context: cert.context, entries: kept });
  },
};
