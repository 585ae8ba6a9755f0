// Deterministic byte streams for seed-derived keys. A seed plus a label (so one seed gives unrelated
// keys for different roles and algorithms) expands through SHAKE256 in counter blocks.

import { createHash } from "node:crypto";

export type Seed = Uint8Array | string;

function seedBytes(seed: Seed): Uint8Array {
  return typeof seed === "string" ? new TextEncoder().encode(seed) : seed;
}

/** `length` bytes derived from (label, seed); the same inputs always give the same bytes. */
export function expandSeed(seed: Seed, label: string, length: number): Uint8Array {
  const h = createHash("shake256", { outputLength: length });
  h.update(`pqtls-x509 ${label}\0`);
  h.update(seedBytes(seed));
  return new Uint8Array(h.digest());
}

/** An endless deterministic byte source (for the RSA prime search). */
export class SeededStream {
  private counter = 0;
  constructor(
    private readonly seed: Seed,
    private readonly label: string,
  ) {}

  next(length: number): Uint8Array {
    return expandSeed(this.seed, `${this.label} #${this.counter++}`, length);
  }
}
