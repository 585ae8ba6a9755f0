// tls_flags (draft-ietf-tls-tlsflags): one extension carrying many 1-bit signals.
//
//   struct { uint8 flags<1..255>; } FlagExtensions;
//
// Flag number N is bit (N mod 8) of octet N / 8, bit 0 being the least significant (mask 0x01);
// the sender uses the fewest octets that hold its highest set flag, so a trailing zero octet is a
// malformed extension (decode_error), as is an empty one.

import { decodeError } from "../errors.js";
import type { Bytes } from "./bytes.js";

/** The tls_flags extension_data setting `flags` (flag numbers); at least one flag. */
export function encodeTlsFlags(flags: readonly number[]): Uint8Array {
  if (flags.length === 0) throw new RangeError("tls_flags needs at least one flag");
  const highest = Math.max(...flags);
  if (!flags.every((f) => Number.isInteger(f) && f >= 0 && f < 255 * 8))
    throw new RangeError("tls_flags: flag numbers are 0..2039");
  const octets = new Uint8Array(Math.floor(highest / 8) + 1);
  for (const f of flags) octets[f >> 3] |= 1 << (f & 7);
  const out = new Uint8Array(1 + octets.length);
  out[0] = octets.length;
  out.set(octets, 1);
  return out;
}

/** The flag numbers set in a tls_flags extension_data. */
export function decodeTlsFlags(data: Bytes): Set<number> {
  const n = data[0];
  if (data.length === 0 || n === 0 || data.length !== 1 + n)
    throw decodeError("tls_flags: length must be 1..255 octets and match the body");
  if (data[n] === 0) throw decodeError("tls_flags: trailing zero octet (not the minimal encoding)");
  const out = new Set<number>();
  for (let i = 0; i < n; i++) for (let b = 0; b < 8; b++) if (data[1 + i] & (1 << b)) out.add(i * 8 + b);
  return out;
}
