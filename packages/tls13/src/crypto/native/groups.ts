// Key exchange groups on node:crypto. NIST curves use ECDH objects (raw SEC1 points in and out, point
// validation in OpenSSL). X25519 keys move in and out as JWK: measured 5 µs to import on Node 20 against
// 66 µs for DER SPKI. ML-KEM keys use the raw-public format where the runtime has it (Node 24.x),
// else a fixed SPKI header.
//
// A generated key's public half is encoded by generateKeyPairSync itself (publicKeyEncoding), never by
// exporting the returned KeyObject afterwards: Node 20 can deadlock when a GC during that export (its
// JWK strings are allocated under the key's lock) finalizes the finished key-generation job, whose
// destructor takes the same lock. The bench's Node 20 process hung that way (gdb: ExportJWKEdKey →
// GC → ~KeyGenJob → pthread_mutex_lock), once in about fifteen runs.

import * as nodeCrypto from "node:crypto";
import { createECDH, createPublicKey, diffieHellman, generateKeyPairSync, type KeyObject } from "node:crypto";
import type { GroupName } from "../../wire/codepoints.js";
import { asBytes } from "../bytes.js";
import { type DhPrimitive, ecdhGroup } from "../groups/ecdh.js";
import { hybridGroup } from "../groups/hybrid.js";
import { type KemPrimitive, MLKEM_SIZES, type MlKemName, mlkemGroup } from "../groups/mlkem.js";
import type { Bytes, KeyExchangeGroup } from "../provider.js";
import { nativeFeatures } from "./features.js";

/** SubjectPublicKeyInfo header of a key whose BIT STRING is `length` raw bytes. */
function spkiHeader(algorithmIdentifier: number[], length: number): Buffer {
  const bitString =
    length + 1 < 0x80 ? [0x03, length + 1, 0] : [0x03, 0x82, (length + 1) >> 8, (length + 1) & 0xff, 0];
  const body = algorithmIdentifier.length + bitString.length + length;
  const seq = body < 0x80 ? [0x30, body] : [0x30, 0x82, body >> 8, body & 0xff];
  return Buffer.from([...seq, ...algorithmIdentifier, ...bitString]);
}

function importRaw(header: Buffer, raw: Bytes): KeyObject {
  return createPublicKey({ key: Buffer.concat([header, raw]), format: "der", type: "spki" });
}

/** generateKeyPairSync with the public key encoded by the generation itself (see the top). */
const generateEncoded = generateKeyPairSync as (
  type: string,
  options: { publicKeyEncoding: { format: string; type?: string } },
) => { publicKey: Buffer | { x?: string }; privateKey: KeyObject };

function x25519Dh(rawFormat: boolean): DhPrimitive {
  return {
    keyGen: rawFormat
      ? () => {
          const { publicKey, privateKey } = generateEncoded("x25519", {
            publicKeyEncoding: { format: "raw-public" },
          });
          return { publicKey: asBytes(publicKey as Buffer), privateKey };
        }
      : () => {
          const { publicKey, privateKey } = generateEncoded("x25519", {
            publicKeyEncoding: { format: "jwk" },
          });
          return { publicKey: asBytes(Buffer.from((publicKey as { x: string }).x, "base64url")), privateKey };
        },
    derive(privateKey, peer) {
      const x = Buffer.from(peer.buffer, peer.byteOffset, peer.length).toString("base64url");
      const publicKey = createPublicKey({ key: { kty: "OKP", crv: "X25519", x }, format: "jwk" });
      return asBytes(diffieHellman({ privateKey: privateKey as KeyObject, publicKey }));
    },
  };
}

function nistDh(curve: "prime256v1" | "secp384r1"): DhPrimitive {
  return {
    keyGen() {
      const ecdh = createECDH(curve);
      return { publicKey: asBytes(ecdh.generateKeys()), privateKey: ecdh };
    },
    derive: (privateKey, peer) => asBytes((privateKey as nodeCrypto.ECDH).computeSecret(peer)),
  };
}

// id-alg-ml-kem-512/768/1024: 2.16.840.1.101.3.4.4.{1,2,3}, parameters absent.
const MLKEM_OID_LAST: Record<MlKemName, number> = { MLKEM512: 1, MLKEM768: 2, MLKEM1024: 3 };

interface NodeKem {
  encapsulate(key: KeyObject): { sharedKey: Buffer; ciphertext: Buffer };
  decapsulate(key: KeyObject, ciphertext: Bytes): Buffer;
}

/** The raw-public key format (Node 24.x), found by trying. */
let rawKeyFormat: boolean | undefined;
function hasRawKeyFormat(): boolean {
  if (rawKeyFormat === undefined) {
    try {
      const { publicKey } = generateEncoded("x25519", { publicKeyEncoding: { format: "raw-public" } });
      rawKeyFormat = Buffer.isBuffer(publicKey) && publicKey.length === 32;
    } catch {
      rawKeyFormat = false;
    }
  }
  return rawKeyFormat;
}

function nativeKem(name: MlKemName, rawFormat: boolean): KemPrimitive {
  const kem = nodeCrypto as unknown as NodeKem;
  const type = `ml-kem-${name.slice(5)}`;
  const length = MLKEM_SIZES[name].publicKey;
  const oid = [0x06, 0x09, 0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x04, MLKEM_OID_LAST[name]];
  const header = spkiHeader([0x30, oid.length, ...oid], length);
  const publicKeyEncoding = rawFormat ? { format: "raw-public" } : { format: "der", type: "spki" };
  const importPublic = rawFormat
    ? (key: Bytes) =>
        (createPublicKey as (o: object) => KeyObject)({
          key: Buffer.from(key.buffer, key.byteOffset, key.length),
          format: "raw-public",
          asymmetricKeyType: type,
        })
    : (key: Bytes) => importRaw(header, key);
  return {
    keyGen() {
      const { publicKey, privateKey } = generateEncoded(type, { publicKeyEncoding });
      // Raw already, or an SPKI whose last `length` bytes are the key.
      const encoded = publicKey as Buffer;
      return { publicKey: asBytes(encoded.subarray(encoded.length - length)), privateKey };
    },
    encapsulate(publicKey) {
      const { sharedKey, ciphertext } = kem.encapsulate(importPublic(publicKey));
      return { ciphertext: asBytes(ciphertext), sharedSecret: asBytes(sharedKey) };
    },
    decapsulate: (ciphertext, privateKey) => asBytes(kem.decapsulate(privateKey as KeyObject, ciphertext)),
  };
}

export function nativeGroups(): Partial<Record<GroupName, KeyExchangeGroup>> {
  const classical = {
    x25519: ecdhGroup("x25519", x25519Dh(hasRawKeyFormat())),
    secp256r1: ecdhGroup("secp256r1", nistDh("prime256v1")),
    secp384r1: ecdhGroup("secp384r1", nistDh("secp384r1")),
  };
  if (!nativeFeatures().mlkem) return classical;
  const raw = hasRawKeyFormat();
  const pq = {
    MLKEM512: mlkemGroup("MLKEM512", nativeKem("MLKEM512", raw)),
    MLKEM768: mlkemGroup("MLKEM768", nativeKem("MLKEM768", raw)),
    MLKEM1024: mlkemGroup("MLKEM1024", nativeKem("MLKEM1024", raw)),
  };
  return {
    ...classical,
    ...pq,
    X25519MLKEM768: hybridGroup("X25519MLKEM768", pq.MLKEM768, classical.x25519),
    SecP256r1MLKEM768: hybridGroup("SecP256r1MLKEM768", pq.MLKEM768, classical.secp256r1),
    SecP384r1MLKEM1024: hybridGroup("SecP384r1MLKEM1024", pq.MLKEM1024, classical.secp384r1),
  };
}
