// DER for the extension values we issue. Written out by hand because each is a few bytes and DER
// details matter here (DEFAULT FALSE omitted, minimal BIT STRING); parsing goes through the library.

import { oidDer } from "./algorithms.js";
import type { KeyUsageName } from "./certificate.js";
import { concatBytes, encodeTlv } from "./der.js";
import { parseIp } from "./ip.js";

function derInteger(n: number): Uint8Array {
  const bytes: number[] = [];
  let v = n;
  do {
    bytes.unshift(v & 0xff);
    v = Math.floor(v / 256);
  } while (v > 0);
  if (bytes[0] & 0x80) bytes.unshift(0);
  return encodeTlv(0x02, Uint8Array.from(bytes));
}

export function basicConstraintsValue(isCA: boolean, pathLen?: number): Uint8Array {
  const parts: Uint8Array[] = [];
  if (isCA) parts.push(Uint8Array.of(0x01, 0x01, 0xff));
  if (isCA && pathLen !== undefined) parts.push(derInteger(pathLen));
  return encodeTlv(0x30, concatBytes(...parts));
}

const KEY_USAGE_BIT: Record<KeyUsageName, number> = {
  digitalSignature: 0,
  nonRepudiation: 1,
  keyEncipherment: 2,
  dataEncipherment: 3,
  keyAgreement: 4,
  keyCertSign: 5,
  cRLSign: 6,
  encipherOnly: 7,
  decipherOnly: 8,
};

/** Named bits, DER-minimal: trailing zero bits dropped and counted as unused (X.690 §11.2.2). */
export function keyUsageValue(usages: KeyUsageName[]): Uint8Array {
  const bits = usages.map((u) => KEY_USAGE_BIT[u]);
  const highest = Math.max(...bits);
  const bytes = new Uint8Array(Math.floor(highest / 8) + 1);
  for (const b of bits) bytes[b >> 3] |= 0x80 >> (b & 7);
  const unused = 7 - (highest % 8);
  return encodeTlv(0x03, concatBytes(Uint8Array.of(unused), bytes));
}

export function extKeyUsageValue(oids: string[]): Uint8Array {
  return encodeTlv(0x30, concatBytes(...oids.map(oidDer)));
}

export function subjectAltNameValue(dnsNames: string[], ipAddresses: string[]): Uint8Array {
  const names: Uint8Array[] = [];
  for (const d of dnsNames) {
    if (!/^[\x21-\x7e]+$/.test(d)) throw new Error(`DNS name "${d}" is not printable ASCII`);
    names.push(encodeTlv(0x82, new TextEncoder().encode(d)));
  }
  for (const ip of ipAddresses) {
    const bytes = parseIp(ip);
    if (!bytes) throw new Error(`"${ip}" is not an IP address`);
    names.push(encodeTlv(0x87, bytes));
  }
  return encodeTlv(0x30, concatBytes(...names));
}

/** nameConstraints with dNSName subtrees and iPAddress ones given as "address/prefix". */
export function nameConstraintsValue(o: {
  permitted?: string[];
  excluded?: string[];
  /** Raw GeneralName DER to add to permittedSubtrees (other forms, for tests). */
  permittedRaw?: Uint8Array[];
}): Uint8Array {
  const subtree = (name: string) => {
    const slash = name.indexOf("/");
    if (slash < 0) return encodeTlv(0x30, encodeTlv(0x82, new TextEncoder().encode(name)));
    const address = parseIp(name.slice(0, slash));
    if (!address) throw new Error(`"${name}" is not an address/prefix`);
    const prefix = Number(name.slice(slash + 1));
    const mask = address.map((_, i) => (0xff << (8 - Math.max(0, Math.min(8, prefix - i * 8)))) & 0xff);
    return encodeTlv(0x30, encodeTlv(0x87, concatBytes(address, mask)));
  };
  const parts: Uint8Array[] = [];
  const permitted = [
    ...(o.permitted ?? []).map(subtree),
    ...(o.permittedRaw ?? []).map((g) => encodeTlv(0x30, g)),
  ];
  if (permitted.length) parts.push(encodeTlv(0xa0, concatBytes(...permitted)));
  if (o.excluded?.length) parts.push(encodeTlv(0xa1, concatBytes(...o.excluded.map(subtree))));
  return encodeTlv(0x30, concatBytes(...parts));
}

export function subjectKeyIdentifierValue(keyId: Uint8Array): Uint8Array {
  return encodeTlv(0x04, keyId);
}

export function authorityKeyIdentifierValue(keyId: Uint8Array): Uint8Array {
  return encodeTlv(0x30, encodeTlv(0x80, keyId));
}
