// Small byte helpers shared by the providers (kept here so crypto/ depends on nothing but wire/ and errors).

import type { Bytes } from "./provider.js";

export function concatBytes(a: Bytes, b: Bytes): Bytes {
  const out = new Uint8Array(a.length + b.length);
  out.set(a, 0);
  out.set(b, a.length);
  return out;
}

/** Constant-time in the length of `data`: used on shared secrets. */
export function isAllZero(data: Bytes): boolean {
  let acc = 0;
  for (let i = 0; i < data.length; i++) acc |= data[i];
  return acc === 0;
}

/** A Uint8Array view of a Buffer (or any view) without copying, so callers never see Buffer methods. */
export function asBytes(view: ArrayBufferView): Bytes {
  return view instanceof Uint8Array && view.constructor === Uint8Array
    ? view
    : new Uint8Array(view.buffer, view.byteOffset, view.byteLength);
}
