// Certificate material per chain spec: the PEM files a server sends and a client trusts.
// A spec is a chain of the test PKI (fixtures/pki/<name>/, listed in its manifest.json), optionally
// "@SIZE": the same chain with the sent Certificate message padded to exactly SIZE bytes
// ("rsa2048@16KiB" = 16384 B, which is the rsa2048-16k fixture; "@16KB" is 16000 B). A plain
// algorithm name (mldsa65, rsa2048) sends leaf + intermediate, NAME-leaf the leaf alone; the
// manifest's aliases (the old NAME-depth3 names) resolve to the chain they name now. A padded
// chain the fixtures lack is made once (re-signed with the issuers' keys) into a cache folder.
// A spec with a "/" is a folder instead (`./mychain`, `/data/chains/x`): one written by
// `pqtls certs --out DIR`, or any folder holding chain.pem (leaf first), leaf.key and root.pem, with
// an optional servername file (else the leaf's first DNS name).
// Everything is resolved before any set-up, so a bad chain is one line of error.
//
// A size model (chain_reduction mtc-model / authkem-model) replaces a cell's chain by the library's
// model chain for the same algorithm (x509/size_models.ts): a real chain whose certificate message
// has the size the draft defines, made once into the cache folder like a padded chain.

import { createHash } from "node:crypto";
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { UserError } from "../errors.js";
import { repoRoot } from "../repo.js";
import { readBytes } from "../units.js";

/** The chain_reduction values that are size models (the registry's MODEL_CHAIN_REDUCTIONS). */
export type SizeModel = "mtc-model" | "authkem-model";

export interface ChainMaterial {
  /** Leaf first, then intermediates (what the server sends). */
  certFile: string;
  keyFile: string;
  /** The root the client trusts. */
  caFile: string;
  /** The name the leaf is issued for (SNI and hostname check). */
  servername: string;
  /** What certFile sends, recorded in every row so a chain name's meaning never has to be guessed. */
  sent: ChainComposition;
  /**
   * The leaf's key algorithm (rsa, p256, ed25519, mldsa44/65/87; an AuthKEM model's mlkem512/768/1024),
   * recorded in every row as `chain_key`: whether a chain is post-quantum is read from it, not from
   * the spec, which for a folder (`./mychain`) says nothing.
   */
  leafKey: string;
}

/** A test-PKI algorithm name as a key algorithm: rsa2048 → rsa, ecdsa-p256 → p256, the rest as is. */
export function keyAlgorithmOfSig(sig: string): string {
  if (/^rsa\d*$/.test(sig)) return "rsa";
  return sig.replace(/^ecdsa-/, "");
}

export interface ChainComposition {
  /** Certificates sent: the leaf and its intermediates (the root stays with the client). */
  certs: number;
  /** Bytes of the Certificate message they make, uncompressed, without extensions, 4-byte header included. */
  messageBytes: number;
}

const PEM_CERTIFICATE = /-----BEGIN CERTIFICATE-----([^-]*)-----END CERTIFICATE-----/g;

/**
 * The composition of a PEM chain file, counted without the TLS stack: each certificate is
 * 3 (length) + DER + 2 (empty extensions) bytes in the list, after a 4-byte handshake header, the
 * 1-byte empty request context and the 3-byte list length (RFC 8446 §4.4.2).
 */
export function sentComposition(certFile: string): ChainComposition {
  const ders = [...readFileSync(certFile, "utf8").matchAll(PEM_CERTIFICATE)].map(
    (m) => Buffer.from(m[1].replace(/\s+/g, ""), "base64").length,
  );
  return { certs: ders.length, messageBytes: 4 + 1 + 3 + ders.reduce((n, der) => n + 3 + der + 2, 0) };
}

interface ManifestChain {
  sig: string;
  depth: number;
  seed: string;
  rootSig?: string;
  padTo?: number;
  certificateMessageBytes: number;
}

/** $PQTLS_PKI, else fixtures/pki in the repository. */
export function pkiDir(): string {
  return process.env.PQTLS_PKI ?? join(repoRoot(), "fixtures", "pki");
}

interface Manifest {
  chains: Record<string, ManifestChain>;
  /** Old name → chain name (fixtures/scripts/gen-pki.mjs ALIASES). */
  aliases?: Record<string, string>;
}

function readManifest(): Manifest {
  const file = join(pkiDir(), "manifest.json");
  if (!existsSync(file))
    throw new UserError(`no test PKI: ${file} is missing (node fixtures/scripts/gen-pki.mjs)`);
  return JSON.parse(readFileSync(file, "utf8")) as Manifest;
}

function manifest(): Record<string, ManifestChain> {
  return readManifest().chains;
}

/** The chain a test-PKI name means: itself, or the chain an old name (alias) stands for. */
function canonicalName(name: string): string {
  return readManifest().aliases?.[name] ?? name;
}

/** Chain names the test PKI provides (for config validation and messages). */
export function knownChains(): string[] {
  return Object.keys(manifest());
}

/** Whether a chain spec names a folder (it has a path separator) rather than a test-PKI chain. */
export function isChainFolder(spec: string): boolean {
  return spec.includes("/");
}

/** The files a chain folder must hold (chain.pem leaf first, the leaf's key, the root the client trusts). */
const FOLDER_FILES = ["chain.pem", "leaf.key", "root.pem"] as const;

function checkFolder(spec: string): void {
  if (spec.includes("@"))
    throw new UserError(
      `chain "${spec}": a chain folder cannot be padded with @SIZE (make a padded one with pqtls certs --pad-to BYTES --out DIR)`,
    );
  const missing = FOLDER_FILES.filter((f) => !existsSync(join(spec, f)));
  if (missing.length)
    throw new UserError(
      `chain folder "${spec}" lacks ${missing.join(", ")} (write one with pqtls certs --sig mldsa65 --depth 3 --out DIR)`,
    );
}

/** Splits and checks a spec: the fixture name and the padded size in bytes (null = as is). */
export function parseChainSpec(spec: string): { base: string; padTo: number | null } {
  if (isChainFolder(spec)) {
    checkFolder(spec);
    return { base: spec, padTo: null };
  }
  const [name, size, extra] = spec.split("@");
  const base = canonicalName(name);
  const chains = manifest();
  if (!(base in chains) || extra !== undefined)
    throw new UserError(
      `unknown chain "${spec}" (known: ${Object.keys(chains).join(", ")}; pad one with @SIZE, e.g. rsa2048@16KiB)`,
    );
  if (size === undefined) return { base, padTo: null };
  let padTo: number;
  try {
    padTo = readBytes("chain size", size);
  } catch (err) {
    throw new UserError(`chain "${spec}": ${(err as Error).message}`);
  }
  const natural = chains[base].certificateMessageBytes;
  if (padTo < natural)
    throw new UserError(
      `chain "${spec}": ${base} already has a ${natural} B Certificate message, more than ${padTo} B`,
    );
  if (padTo > 1024 * 1024) throw new UserError(`chain "${spec}": ${padTo} B is above the 1 MiB limit`);
  return { base, padTo };
}

function fixture(name: string): ChainMaterial {
  const dir = join(pkiDir(), name);
  const m = {
    certFile: join(dir, "chain.pem"),
    keyFile: join(dir, "leaf.key"),
    caFile: join(dir, "root.pem"),
    servername: readFileSync(join(dir, "servername"), "utf8").trim(),
  };
  for (const f of [m.certFile, m.keyFile, m.caFile])
    if (!existsSync(f)) throw new UserError(`chain ${name}: ${f} is missing (test PKI incomplete?)`);
  return { ...m, sent: sentComposition(m.certFile), leafKey: keyAlgorithmOfSig(manifest()[name].sig) };
}

/** Pads `base`'s sent chain to `padTo` bytes, once per (fixture content, size), into a cache folder. */
async function padded(base: string, padTo: number): Promise<ChainMaterial> {
  const src = fixture(base);
  const chainPem = readFileSync(src.certFile, "utf8");
  const tag = createHash("sha256").update(chainPem).update(String(padTo)).digest("hex").slice(0, 16);
  const dir = join(
    process.env.PQTLS_CHAIN_CACHE ?? join(tmpdir(), "pqtls-chains"),
    `${base}@${padTo}-${tag}`,
  );
  const certFile = join(dir, "chain.pem");
  if (!existsSync(certFile)) {
    // Loaded here, not at the top: config validation and runs of unpadded chains never load the stack.
    const x509 = await import("@pqtls/tls13");
    const certs = x509.loadCertificates(chainPem);
    // chain[i] is signed by the next certificate's key: intermediate-1 ... then the root.
    const dirOf = join(pkiDir(), base);
    const issuerKeys = certs.map((_, i) => {
      const file = i + 1 < certs.length ? join(dirOf, `intermediate-${i + 1}.key`) : join(dirOf, "root.key");
      return x509.loadPrivateKey(readFileSync(file, "utf8"));
    });
    const out = x509.padChain(certs, issuerKeys, padTo);
    mkdirSync(dir, { recursive: true });
    writeFileSync(`${certFile}.tmp`, out.map((c) => x509.pemEncode("CERTIFICATE", c.der)).join(""));
    // Rename last, so a half-written cache entry is never used.
    renameSync(`${certFile}.tmp`, certFile);
  }
  return { ...src, certFile, sent: sentComposition(certFile) };
}

/**
 * A chain folder's files; its servername from the folder's file, else the leaf's first DNS name; its
 * leaf key algorithm read from the leaf.
 */
async function folder(spec: string): Promise<ChainMaterial> {
  checkFolder(spec);
  const dir = resolve(spec);
  const certFile = join(dir, "chain.pem");
  const x509 = await import("@pqtls/tls13");
  let leaf: import("@pqtls/tls13").Certificate | undefined;
  try {
    [leaf] = x509.loadCertificates(readFileSync(certFile, "utf8"));
  } catch (err) {
    throw new UserError(`chain folder "${spec}": chain.pem: ${(err as Error).message}`);
  }
  if (!leaf) throw new UserError(`chain folder "${spec}": chain.pem holds no certificate`);
  const named = join(dir, "servername");
  const servername =
    (existsSync(named) ? readFileSync(named, "utf8").trim() : "") || (leaf.dnsNames[0] ?? "");
  if (!servername)
    throw new UserError(`chain folder "${spec}": its leaf has no DNS name; write the name to ${named}`);
  return {
    certFile,
    keyFile: join(dir, "leaf.key"),
    caFile: join(dir, "root.pem"),
    servername,
    sent: sentComposition(certFile),
    leafKey: leaf.publicKey.algorithm,
  };
}

/** Resolves every spec to files, generating padded chains as needed. */
export async function prepareChains(specs: string[]): Promise<Map<string, ChainMaterial>> {
  const out = new Map<string, ChainMaterial>();
  for (const spec of specs.filter(isChainFolder)) out.set(spec, await folder(spec));
  specs = specs.filter((spec) => !isChainFolder(spec));
  if (specs.length === 0) return out;
  const chains = manifest();
  for (const spec of specs) {
    const { base, padTo } = parseChainSpec(spec);
    if (padTo === null) {
      out.set(spec, fixture(base));
      continue;
    }
    // A fixture that is exactly this padding of this chain is used as is.
    const b = chains[base];
    const same = Object.entries(chains).find(
      ([, c]) =>
        c.padTo === padTo &&
        c.sig === b.sig &&
        c.depth === b.depth &&
        c.seed === b.seed &&
        c.rootSig === b.rootSig,
    );
    if (b.padTo === padTo) out.set(spec, fixture(base));
    else if (same) out.set(spec, fixture(same[0]));
    else out.set(spec, await padded(base, padTo));
  }
  return out;
}

/** The key of a cell's model chain in prepareChains' map: its chain spec and the model. */
export function modelChainKey(spec: string, model: SizeModel): string {
  return `${spec}+${model}`;
}

/**
 * ML-KEM of the security level of an ML-DSA signature (FIPS 203/204 categories 2→1, 3→3, 5→5);
 * ML-KEM-768 for classical chains, the parameter set the AuthKEM draft's measurements use.
 */
function kemFor(sig: string): "mlkem512" | "mlkem768" | "mlkem1024" {
  return sig === "mldsa44" ? "mlkem512" : sig === "mldsa87" ? "mlkem1024" : "mlkem768";
}

/**
 * The size model of `spec`'s chain: an MTC (landmark-relative, leaf key of the chain's algorithm,
 * no CA signature) or AuthKEM chain (an ML-KEM leaf key of the same level under the chain's
 * algorithm), made once per (fixture, model) into the cache folder, in the test-PKI layout.
 */
async function modelChain(spec: string, model: SizeModel): Promise<ChainMaterial> {
  if (isChainFolder(spec))
    throw new UserError(
      `chain "${spec}" with chain_reduction ${model}: size models are made from test-PKI chains (e.g. mldsa65), not from a folder`,
    );
  const { base, padTo } = parseChainSpec(spec);
  if (padTo !== null)
    throw new UserError(
      `chain "${spec}" with chain_reduction ${model}: a size model replaces the chain, so it cannot be padded (use ${base})`,
    );
  const src = fixture(base);
  const sig = manifest()[base].sig;
  const kem = kemFor(sig);
  const seed = `pqtls ${model} of ${base}`;
  const tag = createHash("sha256")
    .update(readFileSync(src.certFile))
    .update(`${model} ${kem} ${seed}`)
    .digest("hex")
    .slice(0, 16);
  const dir = join(
    process.env.PQTLS_CHAIN_CACHE ?? join(tmpdir(), "pqtls-chains"),
    `${base}+${model}-${tag}`,
  );
  const m = {
    certFile: join(dir, "chain.pem"),
    keyFile: join(dir, "leaf.key"),
    caFile: join(dir, "root.pem"),
    servername: src.servername,
  };
  if (!existsSync(m.certFile)) {
    const x509 = await import("@pqtls/tls13");
    const o = { hostnames: [src.servername], seed, sig: sig as import("@pqtls/tls13").ChainAlgorithm };
    const chain =
      model === "mtc-model" ? x509.generateMtcModelChain(o) : x509.generateAuthKemModelChain({ ...o, kem });
    mkdirSync(dir, { recursive: true });
    writeFileSync(m.keyFile, x509.encodePrivateKey(chain.leafKey));
    writeFileSync(m.caFile, x509.pemEncode("CERTIFICATE", chain.root.der));
    writeFileSync(join(dir, "model.txt"), `${chain.model}\n`);
    writeFileSync(`${m.certFile}.tmp`, chain.chain.map((c) => x509.pemEncode("CERTIFICATE", c.der)).join(""));
    // Rename last, so a half-written cache entry is never used.
    renameSync(`${m.certFile}.tmp`, m.certFile);
  }
  // An MTC model keeps the chain's algorithm in its leaf; an AuthKEM model stands for an ML-KEM leaf
  // key (its certificate carries a stand-in key of that size), so it is recorded as that ML-KEM.
  const leafKey = model === "authkem-model" ? kem : keyAlgorithmOfSig(sig);
  return { ...m, sent: sentComposition(m.certFile), leafKey };
}

/** Resolves the model chains cells need, keyed by modelChainKey. */
export async function prepareModelChains(
  pairs: readonly { spec: string; model: SizeModel }[],
): Promise<Map<string, ChainMaterial>> {
  const out = new Map<string, ChainMaterial>();
  for (const { spec, model } of pairs) {
    const key = modelChainKey(spec, model);
    if (!out.has(key)) out.set(key, await modelChain(spec, model));
  }
  return out;
}
