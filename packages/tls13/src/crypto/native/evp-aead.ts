// The in-place AEAD addon (native/aead.c): one OpenSSL cipher context per traffic key and direction,
// records sealed and opened in the caller's memory. It runs on the OpenSSL inside this Node process,
// so it computes exactly what node:crypto computes, minus a cipher object and an output buffer per
// record (Node 24, 16 KiB AES-128-GCM seal: ~0.9 µs against ~5 µs; see README "Bulk and the GC").
//
// Loading is checked, not trusted: each AEAD is run once against node:crypto (a seal compared byte
// for byte, an open, a forged tag refused); any failure or a missing build leaves the AEADs on
// node:crypto and says why in `evpAddonStatus()`. PQTLS_AEAD_ADDON=0 turns the addon off.

import { createCipheriv, randomBytes } from "node:crypto";
import { createRequire } from "node:module";
import type { AeadName, Bytes } from "../provider.js";
import { AEAD_KEY_LENGTH } from "../suites.js";

/** The addon's exports (native/aead.c). */
interface AeadAddon {
  create(cipherId: number, key: Uint8Array, encrypt: boolean): object;
  seal(ctx: object, nonce: Uint8Array, aad: Uint8Array, input: Uint8Array, output: Uint8Array): void;
  open(ctx: object, nonce: Uint8Array, aad: Uint8Array, input: Uint8Array, output: Uint8Array): boolean;
}

const CIPHER_ID: Record<AeadName, number> = { AES_128_GCM: 0, AES_256_GCM: 1, CHACHA20_POLY1305: 2 };
const NODE_NAME: Record<AeadName, "aes-128-gcm" | "aes-256-gcm" | "chacha20-poly1305"> = {
  AES_128_GCM: "aes-128-gcm",
  AES_256_GCM: "aes-256-gcm",
  CHACHA20_POLY1305: "chacha20-poly1305",
};

/** From src/crypto/native or dist/crypto/native: the package root's native/build. */
const ADDON_PATH = "../../../native/build/pqtls-aead.node";

/** Seal and open for one key, each on its own lazily made context (TLS uses a key one way only). */
export class EvpAeadKey {
  private sealCtx: object | null = null;
  private openCtx: object | null = null;

  constructor(
    private readonly addon: AeadAddon,
    private readonly cipherId: number,
    private readonly key: Uint8Array,
  ) {}

  /** output[0..n) = ciphertext, output[n..n+16) = tag; output may be the plaintext's own memory. */
  sealInto(nonce: Bytes, aad: Bytes, plaintext: Bytes, output: Bytes): void {
    this.sealCtx ??= this.addon.create(this.cipherId, this.key, true);
    this.addon.seal(this.sealCtx, nonce, aad, plaintext, output);
  }

  /** output[0..n-16) = plaintext when the tag verifies; output may be the input's own memory. */
  openInto(nonce: Bytes, aad: Bytes, ciphertextAndTag: Bytes, output: Bytes): boolean {
    this.openCtx ??= this.addon.create(this.cipherId, this.key, false);
    return this.addon.open(this.openCtx, nonce, aad, ciphertextAndTag, output);
  }
}

/** One AEAD checked against node:crypto; throws with what differed. */
function check(addon: AeadAddon, name: AeadName): void {
  const key = randomBytes(AEAD_KEY_LENGTH[name]);
  const nonce = randomBytes(12);
  const aad = randomBytes(5);
  const plaintext = randomBytes(1000);
  const c = createCipheriv(NODE_NAME[name] as "aes-128-gcm", key, nonce, { authTagLength: 16 });
  c.setAAD(aad);
  const expected = Buffer.concat([c.update(plaintext), c.final(), c.getAuthTag()]);
  const k = new EvpAeadKey(addon, CIPHER_ID[name], key);
  const sealed = new Uint8Array(plaintext.length + 16);
  sealed.set(plaintext);
  k.sealInto(nonce, aad, sealed.subarray(0, plaintext.length), sealed);
  if (!expected.equals(sealed)) throw new Error(`${name}: seal differs from node:crypto`);
  const opened = new Uint8Array(plaintext.length);
  if (!k.openInto(nonce, aad, sealed, opened) || !plaintext.equals(opened))
    throw new Error(`${name}: open did not return the plaintext`);
  sealed[sealed.length - 1] ^= 1;
  if (k.openInto(nonce, aad, sealed, opened)) throw new Error(`${name}: open accepted a forged tag`);
}

interface Loaded {
  addon: AeadAddon | null;
  /** AEADs that passed the check. */
  aeads: Set<AeadName>;
  status: string;
}

let loaded: Loaded | undefined;

function load(): Loaded {
  if (process.env.PQTLS_AEAD_ADDON === "0")
    return { addon: null, aeads: new Set(), status: "off (PQTLS_AEAD_ADDON=0): node:crypto per record" };
  let addon: AeadAddon;
  try {
    addon = createRequire(import.meta.url)(ADDON_PATH) as AeadAddon;
  } catch (e) {
    const why = (e as NodeJS.ErrnoException).code === "MODULE_NOT_FOUND" ? "not built" : (e as Error).message;
    return {
      addon: null,
      aeads: new Set(),
      status: `unavailable (${why.split("\n")[0]}): node:crypto per record`,
    };
  }
  const aeads = new Set<AeadName>();
  const failures: string[] = [];
  for (const name of Object.keys(CIPHER_ID) as AeadName[]) {
    try {
      check(addon, name);
      aeads.add(name);
    } catch (e) {
      // A runtime without ChaCha20-Poly1305 in its OpenSSL fails here for that AEAD only.
      failures.push((e as Error).message);
    }
  }
  const status = failures.length
    ? `evp addon for ${[...aeads].join(", ") || "nothing"}; node:crypto for the rest (${failures.join("; ")})`
    : "evp addon (in place, one OpenSSL context per key)";
  return { addon, aeads, status };
}

/** An addon-backed key for `name`, or null when the addon cannot serve it here. */
export function evpAeadKey(name: AeadName, key: Uint8Array): EvpAeadKey | null {
  loaded ??= load();
  if (!loaded.addon || !loaded.aeads.has(name)) return null;
  return new EvpAeadKey(loaded.addon, CIPHER_ID[name], Uint8Array.from(key));
}

/** How records are protected in this process, for describe() and `pqtls doctor`. */
export function evpAddonStatus(): string {
  loaded ??= load();
  return loaded.status;
}
