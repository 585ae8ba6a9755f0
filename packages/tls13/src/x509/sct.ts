// Embedded SCTs at post-quantum size: the SignedCertificateTimestampList extension (RFC 6962 §3.3,
// OID 1.3.6.1.4.1.11129.2.4.2) a WebPKI leaf carries, with each log signing with ML-DSA-44 as a PQ
// CT log would. Every byte is where RFC 6962 puts it and the signatures are real ML-DSA-44
// signatures by generated log keys, over the SCT fields and the leaf's public key rather than the
// full precertificate entry: right size, not verifiable as CT. pqtls never checks SCTs.
//
//   struct { Version sct_version; LogID id; uint64 timestamp; CtExtensions extensions;
//            digitally-signed struct { ... }; } SignedCertificateTimestamp;
//   opaque SerializedSCT<1..2^16-1>;  struct { SerializedSCT sct_list<1..2^16-1>; } SignedCertificateTimestampList;

import { createHash } from "node:crypto";
import type { CryptoProvider } from "../crypto/provider.js";
import { Writer } from "../wire/bytes.js";
import { SignatureScheme } from "../wire/codepoints.js";
import { generateKeyPair } from "./keys.js";

export const SCT_LIST_OID = "1.3.6.1.4.1.11129.2.4.2";

function u64(v: number): Uint8Array {
  const b = new Uint8Array(8);
  new DataView(b.buffer).setBigUint64(0, BigInt(v));
  return b;
}

function octetString(body: Uint8Array): Uint8Array {
  const n = body.length;
  const len = n < 0x80 ? [n] : n < 0x100 ? [0x81, n] : [0x82, n >> 8, n & 0xff];
  return Uint8Array.from([0x04, ...len, ...body]);
}

/**
 * The extension for `count` SCTs from distinct ML-DSA-44 logs. `subject` (the leaf's public key
 * bytes) goes into what each log signs; `seed` makes the log keys reproducible.
 */
export function embeddedSctExtension(
  count: number,
  subject: Uint8Array,
  provider: CryptoProvider,
  seed = "pqtls-ct-log",
  timestamp = Date.UTC(2025, 0, 1),
): { oid: string; critical: boolean; value: Uint8Array } {
  if (!Number.isInteger(count) || count < 1 || count > 8) throw new RangeError("scts must be 1..8");
  const scheme = provider.signatures.mldsa44;
  if (!scheme) throw new Error(`crypto provider "${provider.name}" lacks mldsa44 for the SCT signatures`);
  const list = new Writer(count * 2600).begin(2);
  for (let i = 0; i < count; i++) {
    const log = generateKeyPair("mldsa44", { seed: `${seed}/${i}` });
    const logId = createHash("sha256")
      .update(log.publicKey.raw ?? new Uint8Array(0))
      .update(String(i))
      .digest();
    const signed = new Writer(64 + subject.length)
      .u8(0) // sct_version v1
      .u8(0) // signature_type certificate_timestamp
      .bytes(u64(timestamp))
      .u16(1) // entry_type precert_entry
      .bytes(createHash("sha256").update(subject).digest())
      .finish();
    const signature = scheme.sign(log, signed);
    list
      .begin(2)
      .u8(0)
      .bytes(logId)
      .bytes(u64(timestamp))
      .vec16(new Uint8Array(0))
      .u16(SignatureScheme.mldsa44)
      .vec16(signature)
      .end();
  }
  return { oid: SCT_LIST_OID, critical: false, value: octetString(list.end().finish()) };
}
