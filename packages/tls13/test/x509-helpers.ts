// Shared by the x509 tests: alert assertions, the test PKI on disk, and running code under the
// Node 24 (OpenSSL 3.5) peer.

import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { expect } from "vitest";
// @ts-expect-error: plain .mjs helper without types
import { node24Missing, node24Path } from "../../../tools/node24/index.mjs";
import { TlsAlert } from "../src/errors.js";
import { type AlertDescription, alertName } from "../src/wire/codepoints.js";
import { type Certificate, loadCertificates, loadPrivateKey, pemEncode } from "../src/x509/index.js";

export const PKI_DIR = fileURLToPath(new URL("../../../fixtures/pki/", import.meta.url));
/** The test PKI's signature algorithms: fixture `${alg}-leaf` sends the leaf alone, `${alg}` leaf + intermediate. */
export const BASE_CHAINS = ["rsa2048", "ecdsa-p256", "ed25519", "mldsa44", "mldsa65", "mldsa87"] as const;

export function pkiFile(chain: string, file: string): string {
  return `${PKI_DIR}${chain}/${file}`;
}

export function loadFixture(chain: string) {
  const sent = loadCertificates(readFileSync(pkiFile(chain, "chain.pem"), "utf8"));
  const root = loadCertificates(readFileSync(pkiFile(chain, "root.pem"), "utf8"))[0];
  const leafKey = loadPrivateKey(readFileSync(pkiFile(chain, "leaf.key"), "utf8"));
  const rootKey = loadPrivateKey(readFileSync(pkiFile(chain, "root.key"), "utf8"));
  return { sent, root, leafKey, rootKey };
}

/** Runs `f`, expecting a TlsAlert with `alert` whose message matches `reason`. */
export function expectAlert(f: () => unknown, alert: AlertDescription, reason?: RegExp): TlsAlert {
  let thrown: unknown;
  try {
    f();
  } catch (e) {
    thrown = e;
  }
  expect(thrown, "expected a TlsAlert").toBeInstanceOf(TlsAlert);
  const t = thrown as TlsAlert;
  expect(alertName(t.alert), t.message).toBe(alertName(alert));
  if (reason) expect(t.message).toMatch(reason);
  return t;
}

/** A copy of `der` with one byte flipped. */
export function flipByte(der: Uint8Array, index: number): Uint8Array {
  const out = der.slice();
  out[index < 0 ? out.length + index : index] ^= 0x01;
  return out;
}

export function node24(): string {
  const bin = node24Path() as string | null;
  if (!bin) throw new Error(node24Missing() as string);
  return bin;
}

/** Runs an ES module source under Node 24 with `input` as JSON on stdin; returns its JSON stdout. */
export function runNode24<T>(source: string, input: unknown): T {
  const out = execFileSync(node24(), ["--input-type=module", "-e", source], {
    input: JSON.stringify(input),
    encoding: "utf8",
    timeout: 60_000,
    maxBuffer: 64 << 20,
  });
  return JSON.parse(out) as T;
}

export function pemOf(certs: Certificate[]): string {
  return certs.map((c) => pemEncode("CERTIFICATE", c.der)).join("");
}
