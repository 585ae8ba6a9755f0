// IP address text ⇄ bytes for SAN iPAddress entries (4 or 16 bytes, RFC 5280 §4.2.1.6).

import { isIP } from "node:net";

/** 4 or 16 bytes for a valid IPv4/IPv6 literal, else null. */
export function parseIp(text: string): Uint8Array | null {
  const t = text.startsWith("[") && text.endsWith("]") ? text.slice(1, -1) : text;
  const kind = isIP(t);
  if (kind === 4) return Uint8Array.from(t.split(".").map(Number));
  if (kind !== 6) return null;
  let head = t;
  let v4Tail: number[] = [];
  const lastColon = t.lastIndexOf(":");
  if (t.slice(lastColon + 1).includes(".")) {
    v4Tail = t
      .slice(lastColon + 1)
      .split(".")
      .map(Number);
    head = `${t.slice(0, lastColon + 1)}0:0`;
  }
  const [left, right] = head.includes("::") ? head.split("::") : [head, undefined];
  const l = left ? left.split(":") : [];
  const r = right === undefined ? [] : right ? right.split(":") : [];
  const groups = right === undefined ? l : [...l, ...Array(8 - l.length - r.length).fill("0"), ...r];
  const out = new Uint8Array(16);
  groups.forEach((g, i) => {
    const v = Number.parseInt(g, 16);
    out[i * 2] = v >> 8;
    out[i * 2 + 1] = v & 0xff;
  });
  if (v4Tail.length) out.set(v4Tail, 12);
  return out;
}

/** Dotted IPv4 or full-form lowercase IPv6 with the longest zero run compressed. */
export function formatIp(bytes: Uint8Array): string {
  if (bytes.length === 4) return Array.from(bytes).join(".");
  if (bytes.length !== 16) return `invalid(${Buffer.from(bytes).toString("hex")})`;
  const groups: number[] = [];
  for (let i = 0; i < 16; i += 2) groups.push((bytes[i] << 8) | bytes[i + 1]);
  let bestStart = -1;
  let bestLen = 0;
  for (let i = 0; i < 8; ) {
    if (groups[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && groups[j] === 0) j++;
    if (j - i > bestLen && j - i > 1) [bestStart, bestLen] = [i, j - i];
    i = j;
  }
  const hex = groups.map((g) => g.toString(16));
  if (bestStart < 0) return hex.join(":");
  return `${hex.slice(0, bestStart).join(":")}::${hex.slice(bestStart + bestLen).join(":")}`;
}
