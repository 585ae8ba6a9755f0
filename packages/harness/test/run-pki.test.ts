// Chain specs: fixtures as they are, "@SIZE" padding that lands exactly on the Certificate message
// size, the fixture reused when it is that padding, and one-line refusals.
import { spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { chainWireSize, loadCertificates } from "@pqtls/tls13";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { UserError } from "../src/errors.js";
import { parseChainSpec, pkiDir, prepareChains, prepareModelChains } from "../src/run/pki.js";

let cache: string;
beforeAll(() => {
  cache = mkdtempSync(join(tmpdir(), "pqtls-chains-"));
  process.env.PQTLS_CHAIN_CACHE = cache;
});
afterAll(() => {
  delete process.env.PQTLS_CHAIN_CACHE;
  rmSync(cache, { recursive: true, force: true });
});

const size = (file: string) => chainWireSize(loadCertificates(readFileSync(file, "utf8")));

describe("chain folders", () => {
  const bin = fileURLToPath(new URL("../dist/cli/main.js", import.meta.url));

  it("takes a folder written by pqtls certs --out: its files, its servername, its exact size", async () => {
    const dir = join(cache, "certs-out", "mldsa44");
    const r = spawnSync(
      process.execPath,
      [bin, "certs", "--sig", "mldsa44", "--depth", "3", "--hostname", "chain.example", "--out", dir],
      { encoding: "utf8", timeout: 60_000 },
    );
    expect(r.status, r.stderr).toBe(0);
    expect(parseChainSpec(dir)).toEqual({ base: dir, padTo: null });
    const m = (await prepareChains([dir, "rsa2048"])).get(dir)!;
    expect(m).toEqual({
      certFile: join(dir, "chain.pem"),
      keyFile: join(dir, "leaf.key"),
      caFile: join(dir, "root.pem"),
      servername: "chain.example",
      sent: { certs: 2, messageBytes: size(join(dir, "chain.pem")) },
      // Read from the leaf: a folder's name says nothing about what it holds.
      leafKey: "mldsa44",
    });
    // Leaf + intermediate of ML-DSA-44, as `pqtls certs` printed it.
    const sent = loadCertificates(readFileSync(m.certFile, "utf8"));
    expect(sent.map((c) => c.publicKey.algorithm)).toEqual(["mldsa44", "mldsa44"]);
    expect(r.stdout).toContain(`${size(m.certFile)}`);
  });

  it("names the leaf's first DNS name when a folder has no servername file", async () => {
    const dir = join(cache, "plain-pem");
    const src = join(pkiDir(), "ecdsa-p256");
    mkdirSync(dir, { recursive: true });
    for (const f of ["chain.pem", "leaf.key", "root.pem"])
      writeFileSync(join(dir, f), readFileSync(join(src, f)));
    const m = (await prepareChains([dir])).get(dir)!;
    expect(m.servername).toBe(loadCertificates(readFileSync(join(src, "chain.pem"), "utf8"))[0].dnsNames[0]);
    expect(m.leafKey).toBe("p256");
  });

  it("refuses a folder without its files, padded, or with no certificate in chain.pem, in one line", async () => {
    const empty = join(cache, "empty-folder");
    expect(() => parseChainSpec(`${empty}/`)).toThrow(UserError);
    expect(() => parseChainSpec(`${empty}/`)).toThrow(/lacks chain\.pem, leaf\.key, root\.pem .*pqtls certs/);
    expect(() => parseChainSpec(`${join(pkiDir(), "mldsa65")}@16KiB`)).toThrow(/cannot be padded/);
    const garbled = join(cache, "garbled-folder");
    mkdirSync(garbled, { recursive: true });
    for (const f of ["leaf.key", "root.pem"])
      writeFileSync(join(garbled, f), readFileSync(join(pkiDir(), "rsa2048", f)));
    writeFileSync(join(garbled, "chain.pem"), "not a certificate\n");
    await expect(prepareChains([garbled])).rejects.toThrow(UserError);
    await expect(prepareChains([garbled])).rejects.toThrow(
      /chain folder ".*garbled-folder": chain\.pem: no PEM CERTIFICATE/,
    );
  });
});

describe("chain specs", () => {
  it("uses a fixture as it is, and the padded fixture for its exact size", async () => {
    const m = await prepareChains(["mldsa65", "rsa2048@16KiB"]);
    expect(m.get("mldsa65")).toMatchObject({
      certFile: join(pkiDir(), "mldsa65", "chain.pem"),
      caFile: join(pkiDir(), "mldsa65", "root.pem"),
      servername: "server.pqtls.test",
    });
    expect(m.get("rsa2048@16KiB")!.certFile).toBe(join(pkiDir(), "rsa2048-16k", "chain.pem"));
    expect(size(m.get("rsa2048@16KiB")!.certFile)).toBe(16384);
  });

  it("means leaf + intermediate by an algorithm's name, the leaf alone by NAME-leaf, and records what is sent", async () => {
    const m = await prepareChains(["mldsa65", "mldsa65-leaf", "rsa2048", "rsa2048@8KiB", "mldsa65-depth3"]);
    const der = (spec: string) =>
      loadCertificates(readFileSync(m.get(spec)!.certFile, "utf8")).map((c) => c.der.length);
    // Leaf + intermediate: ML-DSA-65 leaf 5,710 B and intermediate 5,603 B (manifest), each framed
    // with a 3-byte length and 2 bytes of empty extensions, after the 8-byte message and list headers.
    expect(der("mldsa65")).toEqual([5710, 5603]);
    expect(m.get("mldsa65")!.sent).toEqual({ certs: 2, messageBytes: 8 + (3 + 5710 + 2) + (3 + 5603 + 2) });
    expect(m.get("mldsa65")!.sent.messageBytes).toBe(11331);
    expect(der("mldsa65-leaf")).toEqual([5700]);
    expect(m.get("mldsa65-leaf")!.sent).toEqual({ certs: 1, messageBytes: 8 + 3 + 5700 + 2 });
    expect(m.get("rsa2048")!.sent).toEqual({ certs: 2, messageBytes: 8 + (3 + 981 + 2) + (3 + 874 + 2) });
    // The size-only chain keeps the deployed shape: two certificates, 8 KiB of Certificate message.
    expect(m.get("rsa2048@8KiB")!.certFile).toBe(join(pkiDir(), "rsa2048-8k", "chain.pem"));
    expect(m.get("rsa2048@8KiB")!.sent).toEqual({ certs: 2, messageBytes: 8192 });
    for (const spec of m.keys())
      expect(m.get(spec)!.sent.messageBytes, spec).toBe(size(m.get(spec)!.certFile));
    // The leaf's key algorithm, recorded in rows as chain_key: an RSA chain padded to ML-DSA size is RSA.
    expect(Object.fromEntries([...m].map(([spec, c]) => [spec, c.leafKey]))).toEqual({
      mldsa65: "mldsa65",
      "mldsa65-leaf": "mldsa65",
      rsa2048: "rsa",
      "rsa2048@8KiB": "rsa",
      "mldsa65-depth3": "mldsa65",
    });
    // The old name of leaf + intermediate is an alias of the chain it names now.
    expect(m.get("mldsa65-depth3")).toEqual(m.get("mldsa65"));
    expect(parseChainSpec("mldsa65-depth3-sct2@20KiB")).toEqual({ base: "mldsa65-sct2", padTo: 20480 });
  });

  it("pads other sizes exactly, once, keeping the leaf key and the root", async () => {
    const m = (await prepareChains(["rsa2048@12000", "mldsa65-depth3@20KiB"]))!;
    const rsa = m.get("rsa2048@12000")!;
    expect(rsa.certFile.startsWith(cache)).toBe(true);
    expect(size(rsa.certFile)).toBe(12000);
    expect(rsa.keyFile).toBe(join(pkiDir(), "rsa2048", "leaf.key"));
    expect(rsa.caFile).toBe(join(pkiDir(), "rsa2048", "root.pem"));
    expect(rsa.leafKey).toBe("rsa");
    const deep = m.get("mldsa65-depth3@20KiB")!;
    expect(loadCertificates(readFileSync(deep.certFile, "utf8"))).toHaveLength(2);
    expect(size(deep.certFile)).toBe(20480);
    const again = await prepareChains(["rsa2048@12000"]);
    expect(again.get("rsa2048@12000")!.certFile).toBe(rsa.certFile);
  });

  it("refuses unknown chains and sizes below the chain's own", () => {
    expect(() => parseChainSpec("rsa4096")).toThrow(/unknown chain "rsa4096" \(known: rsa2048,/);
    expect(() => parseChainSpec("mldsa65@4KiB")).toThrow(/already has a 11331 B Certificate message/);
    expect(() => parseChainSpec("mldsa65-leaf@4KiB")).toThrow(/already has a 5713 B Certificate message/);
    expect(() => parseChainSpec("rsa2048@16KiB@2")).toThrow(/unknown chain/);
  });

  it("makes size-model chains once, for the chain's algorithm, in the test-PKI layout", async () => {
    const pairs = [
      { spec: "mldsa65", model: "mtc-model" as const },
      { spec: "mldsa65", model: "authkem-model" as const },
    ];
    const m = await prepareModelChains(pairs);
    const mtc = m.get("mldsa65+mtc-model")!;
    const authkem = m.get("mldsa65+authkem-model")!;
    expect(mtc.certFile.startsWith(cache)).toBe(true);
    expect(mtc.servername).toBe(readFileSync(join(pkiDir(), "mldsa65", "servername"), "utf8").trim());
    const mtcChain = loadCertificates(readFileSync(mtc.certFile, "utf8"));
    const authkemChain = loadCertificates(readFileSync(authkem.certFile, "utf8"));
    // MTC: the leaf alone, with the chain's ML-DSA-65 key; AuthKEM: leaf + ML-DSA-65 intermediate.
    expect(mtcChain).toHaveLength(1);
    expect(mtcChain[0].publicKey.algorithm).toBe("mldsa65");
    expect(authkemChain).toHaveLength(2);
    expect(authkemChain[1].publicKey.algorithm).toBe("mldsa65");
    // Rows record what each model stands for: the chain's ML-DSA-65, and ML-KEM-768 of the same level.
    expect([mtc.leafKey, authkem.leafKey]).toEqual(["mldsa65", "mlkem768"]);
    // The leaf key served is the one the certificate carries (a handshake would fail otherwise).
    const x509 = await import("@pqtls/tls13");
    const key = x509.loadPrivateKey(readFileSync(mtc.keyFile, "utf8"));
    expect(Buffer.from(key.publicKey.spki).equals(Buffer.from(mtcChain[0].publicKey.spki))).toBe(true);
    expect(readFileSync(join(mtc.certFile, "..", "model.txt"), "utf8")).toMatch(/^MTC model: .*not modelled/);
    // The AuthKEM leaf (an Ed25519 key padded to an ML-KEM-768 key's size) outweighs a plain
    // Ed25519 leaf by at least the key difference, 1184 − 32 bytes.
    expect(authkemChain[0].der.length).toBeGreaterThan(1184 - 32);
    // Made once: a second call finds the cached files.
    const again = await prepareModelChains(pairs);
    expect(again.get("mldsa65+mtc-model")).toEqual(mtc);
    expect(size(again.get("mldsa65+mtc-model")!.certFile)).toBe(size(mtc.certFile));
  });
});
