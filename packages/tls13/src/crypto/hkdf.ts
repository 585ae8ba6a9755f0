// RFC 5869 HKDF over any provider's Hash (its hmac is the only primitive needed). The TLS key
// schedule's HKDF-Expand-Label builds on hkdfExpand.

import type { Bytes, Hash } from "./provider.js";

export function hkdfExtract(hash: Hash, salt: Bytes | undefined, ikm: Bytes): Bytes {
  // RFC 5869 §2.2: a missing salt is HashLen zero bytes.
  return hash.hmac(salt && salt.length > 0 ? salt : new Uint8Array(hash.outputLength), ikm);
}

export function hkdfExpand(hash: Hash, prk: Bytes, info: Bytes, length: number): Bytes {
  const n = Math.ceil(length / hash.outputLength);
  if (n > 255) throw new RangeError(`HKDF-Expand length ${length} exceeds 255 blocks`);
  if (n === 1) {
    // One block (every TLS 1.3 secret, key and IV): T(1) = HMAC(PRK, info ‖ 0x01), no joins.
    const input = new Uint8Array(info.length + 1);
    input.set(info);
    input[info.length] = 1;
    const block = hash.hmac(prk, input);
    return block.length === length ? block : block.subarray(0, length);
  }
  const out = new Uint8Array(n * hash.outputLength);
  const input = new Uint8Array(hash.outputLength + info.length + 1);
  let previous = 0; // bytes of T(i-1) at the front of `input`
  for (let i = 1; i <= n; i++) {
    // T(i) = HMAC(PRK, T(i-1) ‖ info ‖ i)
    input.set(info, previous);
    input[previous + info.length] = i;
    const block = hash.hmac(prk, input.subarray(0, previous + info.length + 1));
    out.set(block, (i - 1) * hash.outputLength);
    input.set(block, 0);
    previous = block.length;
  }
  return out.subarray(0, length);
}
