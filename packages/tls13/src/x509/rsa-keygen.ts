// Reproducible RSA key generation for the test PKI: a seeded prime search. node:crypto's RSA keygen
// cannot take a seed, so fixtures would change on every run. This is the textbook method (random
// odd candidates with the top two bits set, small-prime sieve, Miller-Rabin),
// not FIPS 186-5 provable primes: fine for test keys, and production keys come from node:crypto.

import { checkPrimeSync } from "node:crypto";
import { type Seed, SeededStream } from "./seeded.js";

export interface RsaKeyParts {
  n: bigint;
  e: bigint;
  d: bigint;
  p: bigint;
  q: bigint;
  dp: bigint;
  dq: bigint;
  qinv: bigint;
}

const SMALL_PRIMES: number[] = (() => {
  const limit = 2000;
  const sieve = new Uint8Array(limit);
  const out: number[] = [];
  for (let i = 2; i < limit; i++) {
    if (sieve[i]) continue;
    out.push(i);
    for (let j = i * i; j < limit; j += i) sieve[j] = 1;
  }
  return out;
})();

export function bytesToBigInt(b: Uint8Array): bigint {
  let v = 0n;
  for (const x of b) v = (v << 8n) | BigInt(x);
  return v;
}

export function modInverse(a: bigint, m: bigint): bigint {
  let [oldR, r] = [a % m, m];
  let [oldS, s] = [1n, 0n];
  while (r !== 0n) {
    const q = oldR / r;
    [oldR, r] = [r, oldR - q * r];
    [oldS, s] = [s, oldS - q * s];
  }
  if (oldR !== 1n) throw new Error("not invertible");
  return ((oldS % m) + m) % m;
}

function gcd(a: bigint, b: bigint): bigint {
  while (b !== 0n) [a, b] = [b, a % b];
  return a;
}

/**
 * Trial division by small primes, then OpenSSL's Miller-Rabin (node:crypto checkPrime). Its
 * witnesses are random, but the answer for a prime is always "prime" and a composite passes with
 * probability below 2^-128, so the search still lands on the same prime every time.
 */
function isProbablePrime(n: bigint): boolean {
  for (const p of SMALL_PRIMES) if (n % BigInt(p) === 0n) return n === BigInt(p);
  return checkPrimeSync(n);
}

function seededPrime(bits: number, e: bigint, rng: SeededStream): bigint {
  const byteLength = bits / 8;
  for (;;) {
    const bytes = rng.next(byteLength);
    bytes[0] |= 0xc0; // top two bits: the product of two such primes has exactly 2*bits bits
    bytes[byteLength - 1] |= 1;
    const candidate = bytesToBigInt(bytes);
    if (gcd(candidate - 1n, e) !== 1n) continue;
    if (isProbablePrime(candidate)) return candidate;
  }
}

/** An RSA key of `bits` bits (a multiple of 16) fully determined by `seed`. */
export function seededRsaKey(bits: number, seed: Seed, label = "rsa"): RsaKeyParts {
  if (bits % 16 !== 0 || bits < 2048)
    throw new Error(`RSA modulus of ${bits} bits is not supported (2048 at least)`);
  const e = 65537n;
  const rng = new SeededStream(seed, `${label} ${bits}`);
  for (;;) {
    let p = seededPrime(bits / 2, e, rng);
    let q = seededPrime(bits / 2, e, rng);
    if (p === q) continue;
    if (p < q) [p, q] = [q, p];
    // FIPS 186-5 asks |p - q| > 2^(bits/2 - 100); random primes miss this with negligible odds.
    if (p - q < 1n << BigInt(bits / 2 - 100)) continue;
    const n = p * q;
    const lambda = ((p - 1n) * (q - 1n)) / gcd(p - 1n, q - 1n);
    const d = modInverse(e, lambda);
    return { n, e, d, p, q, dp: d % (p - 1n), dq: d % (q - 1n), qinv: modInverse(q, p) };
  }
}
