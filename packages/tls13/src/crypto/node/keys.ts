// node:crypto KeyObjects for our PrivateKey/PublicKey values, parsed once and cached per object
// (a WeakMap, so keys are collected with the certificate that owns them).

import { createPrivateKey, createPublicKey, type KeyObject } from "node:crypto";
import type { PrivateKey, PublicKey } from "../provider.js";

const privateKeys = new WeakMap<PrivateKey, KeyObject>();
const publicKeys = new WeakMap<PublicKey, KeyObject>();

export function privateKeyObject(key: PrivateKey): KeyObject {
  let object = privateKeys.get(key);
  if (!object) {
    object = createPrivateKey({
      key: Buffer.from(key.pkcs8.buffer, key.pkcs8.byteOffset, key.pkcs8.length),
      format: "der",
      type: "pkcs8",
    });
    privateKeys.set(key, object);
  }
  return object;
}

/** Throws on a malformed SPKI; verify() callers turn that into `false`. */
export function publicKeyObject(key: PublicKey): KeyObject {
  let object = publicKeys.get(key);
  if (!object) {
    object = createPublicKey({
      key: Buffer.from(key.spki.buffer, key.spki.byteOffset, key.spki.length),
      format: "der",
      type: "spki",
    });
    publicKeys.set(key, object);
  }
  return object;
}
