// Independent verifiers: Node 24's X509Certificate (OpenSSL 3.5, the only one here with ML-DSA)
// checks every chain we make, Debian's `openssl verify` (3.0) the classical ones, and certificates
// made by the OpenSSL CLI verify with ours.

import { execFileSync, spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { nobleProvider } from "../src/crypto/index.js";
import { AlertDescription } from "../src/wire/codepoints.js";
import {
  type Certificate,
  generateChain,
  loadCertificates,
  loadPrivateKey,
  verifyChain,
} from "../src/x509/index.js";
import { expectAlert, flipByte, pemOf, pkiFile, runNode24 } from "./x509-helpers.js";

const FIXTURE_CHAINS = [
  "rsa2048-leaf",
  "ecdsa-p256-leaf",
  "ed25519-leaf",
  "mldsa44-leaf",
  "mldsa65-leaf",
  "mldsa87-leaf",
  "rsa2048-8k",
  "rsa2048-16k",
  "mldsa65",
  "mldsa65-rsa-root",
];
const CLASSICAL_FIXTURES = ["rsa2048-leaf", "ecdsa-p256-leaf", "ed25519-leaf", "rsa2048-8k", "rsa2048-16k"];

interface ChainUnderTest {
  name: string;
  /** Leaf first, root last. */
  certificates: Certificate[];
}

function fixtureChain(name: string): ChainUnderTest {
  const sent = loadCertificates(readFileSync(pkiFile(name, "chain.pem"), "utf8"));
  const root = loadCertificates(readFileSync(pkiFile(name, "root.pem"), "utf8"))[0];
  return { name, certificates: [...sent, root] };
}

/** Extra algorithms the fixtures do not cover, generated now (random keys: fast). */
function generatedChains(): ChainUnderTest[] {
  const make = (name: string, o: Parameters<typeof generateChain>[0]) => ({
    name,
    certificates: generateChain({
      ...o,
      hostnames: ["localhost", "server.pqtls.test"],
      ipAddresses: ["127.0.0.1"],
    }).certificates,
  });
  return [
    make("ecdsa-p384 depth 3", { sig: "ecdsa-p384", depth: 3, hostnames: [] }),
    make("rsa-pss2048", { sig: "rsa-pss2048", depth: 2, hostnames: [] }),
    make("rsa3072", { sig: "rsa3072", depth: 2, hostnames: [] }),
    make("mldsa87 under ed25519 via p256, depth 4", {
      sig: "mldsa87",
      intermediateSig: "ecdsa-p256",
      rootSig: "ed25519",
      depth: 4,
      hostnames: [],
    }),
    make("mldsa44 padded to 16 KiB total", { sig: "mldsa44", depth: 3, padTo: 16384, hostnames: [] }),
    make("ecdsa-p256 padded to 8000 total", { sig: "ecdsa-p256", depth: 2, padTo: 8000, hostnames: [] }),
  ];
}

/** Under Node 24: each link's signature and issuance, the root's self-signature, the leaf's names. */
const NODE24_VERIFY = `
import { X509Certificate } from "node:crypto";
let input = "";
for await (const chunk of process.stdin) input += chunk;
const out = {};
for (const { name, pems } of JSON.parse(input)) {
  const certs = pems.map((p) => new X509Certificate(p));
  const links = certs.slice(0, -1).map((c, i) => c.verify(certs[i + 1].publicKey) && c.checkIssued(certs[i + 1]));
  const root = certs.at(-1);
  out[name] = {
    links,
    rootSelfSigned: root.verify(root.publicKey),
    caFlags: certs.map((c) => c.ca),
    host: certs[0].checkHost("server.pqtls.test") ?? null,
    wrongHost: certs[0].checkHost("evil.test") ?? null,
    ip: certs[0].checkIP("127.0.0.1") ?? null,
    keyTypes: certs.map((c) => c.publicKey.asymmetricKeyType),
  };
}
console.log(JSON.stringify(out));
`;

describe("Node 24 (OpenSSL 3.5) X509Certificate verifies our chains", () => {
  it("every fixture and generated chain: signatures, issuance, CA flags, host and IP", () => {
    const chains = [...FIXTURE_CHAINS.map(fixtureChain), ...generatedChains()];
    // A negative control: the same check must fail on a tampered leaf signature.
    const tampered = fixtureChain("mldsa65-leaf");
    const tamperedLeaf = { ...tampered.certificates[0], der: flipByte(tampered.certificates[0].der, -1) };
    chains.push({ name: "tampered", certificates: [tamperedLeaf, ...tampered.certificates.slice(1)] });

    const input = chains.map((c) => ({
      name: c.name,
      pems: c.certificates.map((cert) => pemOf([cert])),
    }));
    const result = runNode24<Record<string, Record<string, unknown>>>(NODE24_VERIFY, input);
    for (const c of chains) {
      const r = result[c.name];
      if (c.name === "tampered") {
        expect(r.links).toEqual([false]);
        continue;
      }
      expect(r.links, c.name).toEqual(c.certificates.slice(1).map(() => true));
      expect(r.rootSelfSigned, c.name).toBe(true);
      expect(r.caFlags, c.name).toEqual(c.certificates.map((_, i) => i > 0));
      expect(r.host, c.name).toBe("server.pqtls.test");
      expect(r.wrongHost, c.name).toBeNull();
      expect(r.ip, c.name).toBe("127.0.0.1");
    }
    expect(result["mldsa65-rsa-root"].keyTypes).toEqual(["ml-dsa-65", "ml-dsa-65", "rsa"]);
  });
});

describe("Debian openssl verify (3.0) accepts the classical chains", () => {
  const dir = mkdtempSync(join(tmpdir(), "pqtls-x509-openssl-"));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  function opensslVerify(c: ChainUnderTest, extra: string[]): { ok: boolean; out: string } {
    const [leaf, ...rest] = c.certificates;
    const root = rest.pop()!;
    const base = join(dir, c.name.replace(/\W+/g, "_"));
    writeFileSync(`${base}-leaf.pem`, pemOf([leaf]));
    writeFileSync(`${base}-root.pem`, pemOf([root]));
    writeFileSync(`${base}-untrusted.pem`, pemOf(rest));
    const args = ["verify", "-x509_strict", "-purpose", "sslserver", "-CAfile", `${base}-root.pem`];
    if (rest.length) args.push("-untrusted", `${base}-untrusted.pem`);
    const run = spawnSync("/usr/bin/openssl", [...args, ...extra, `${base}-leaf.pem`], {
      encoding: "utf8",
      timeout: 30_000,
    });
    return { ok: run.status === 0, out: run.stdout + run.stderr };
  }

  const classical = () => [
    ...CLASSICAL_FIXTURES.map(fixtureChain),
    ...generatedChains().filter(
      (c) => !c.certificates.some((x) => x.publicKey.algorithm.startsWith("mldsa")),
    ),
  ];

  it("with host name and IP checks, and rejects a wrong name, an expired time and a tampered leaf", () => {
    for (const c of classical()) {
      const good = opensslVerify(c, ["-verify_hostname", "server.pqtls.test", "-verify_ip", "127.0.0.1"]);
      expect(good.ok, `${c.name}: ${good.out}`).toBe(true);
    }
    const rsa = fixtureChain("rsa2048-leaf");
    expect(opensslVerify(rsa, ["-verify_hostname", "evil.test"]).out).toMatch(/hostname mismatch/);
    expect(opensslVerify(rsa, ["-attime", String(Date.UTC(2050, 0, 1) / 1000)]).out).toMatch(/expired/);
    const tampered = {
      name: "tampered",
      certificates: [
        { ...rsa.certificates[0], der: flipByte(rsa.certificates[0].der, -1) },
        rsa.certificates[1],
      ],
    };
    expect(opensslVerify(tampered, []).out).toMatch(/signature failure/);
  });
});

describe("certificates made by the OpenSSL CLI verify with ours", () => {
  const dir = mkdtempSync(join(tmpdir(), "pqtls-x509-opensslca-"));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const openssl = (...args: string[]) =>
    execFileSync("/usr/bin/openssl", args, { cwd: dir, stdio: ["ignore", "pipe", "pipe"], timeout: 30_000 });

  const KEYS: Record<string, string[]> = {
    rsa: ["-newkey", "rsa:2048"],
    p256: ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256"],
    p384: ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-384"],
    ed25519: ["-newkey", "ed25519"],
  };

  function makeChain(alg: string, sigopts: string[] = []): { ca: string; leaf: string; leafKey: string } {
    const p = (f: string) => join(dir, `${alg}${sigopts.length ? "-pss" : ""}-${f}`);
    const digest = alg === "ed25519" ? [] : alg === "p384" ? ["-sha384"] : ["-sha256"];
    openssl(
      "req",
      "-x509",
      ...KEYS[alg],
      "-nodes",
      "-keyout",
      p("ca.key"),
      "-out",
      p("ca.pem"),
      "-subj",
      "/O=OpenSSL made/CN=OpenSSL CA",
      "-days",
      "3650",
      ...digest,
      ...sigopts,
      "-addext",
      "basicConstraints=critical,CA:TRUE",
      "-addext",
      "keyUsage=critical,keyCertSign,cRLSign",
    );
    openssl(
      "req",
      "-new",
      ...KEYS[alg],
      "-nodes",
      "-keyout",
      p("leaf.key"),
      "-out",
      p("leaf.csr"),
      "-subj",
      "/CN=openssl.test",
    );
    writeFileSync(
      p("ext.cnf"),
      "basicConstraints=critical,CA:FALSE\nkeyUsage=critical,digitalSignature\nextendedKeyUsage=serverAuth\nsubjectAltName=DNS:openssl.test,DNS:*.wild.test,IP:127.0.0.1,IP:::1\nsubjectKeyIdentifier=hash\nauthorityKeyIdentifier=keyid\n",
    );
    openssl(
      "x509",
      "-req",
      "-in",
      p("leaf.csr"),
      "-CA",
      p("ca.pem"),
      "-CAkey",
      p("ca.key"),
      "-CAcreateserial",
      "-out",
      p("leaf.pem"),
      "-days",
      "365",
      ...digest,
      ...sigopts,
      "-extfile",
      p("ext.cnf"),
    );
    return {
      ca: readFileSync(p("ca.pem"), "utf8"),
      leaf: readFileSync(p("leaf.pem"), "utf8"),
      leafKey: readFileSync(p("leaf.key"), "utf8"),
    };
  }

  const cases: Array<[string, string[], string]> = [
    ["rsa", [], "rsa_pkcs1_sha256"],
    ["rsa", ["-sigopt", "rsa_padding_mode:pss", "-sigopt", "rsa_pss_saltlen:digest"], "rsa_pss_rsae_sha256"],
    ["p256", [], "ecdsa_secp256r1_sha256"],
    ["p384", [], "ecdsa_secp384r1_sha384"],
    ["ed25519", [], "ed25519"],
  ];
  for (const [alg, sigopts, scheme] of cases) {
    it(`${alg}${sigopts.length ? " (RSASSA-PSS signatures)" : ""}`, () => {
      const { ca, leaf, leafKey } = makeChain(alg, sigopts);
      const [anchor] = loadCertificates(ca);
      const chain = loadCertificates(leaf);
      expect(chain[0].signatureScheme).toBe(scheme);
      expect(chain[0].dnsNames).toEqual(["openssl.test", "*.wild.test"]);
      expect(chain[0].ipAddresses).toEqual(["127.0.0.1", "::1"]);
      for (const hostname of ["openssl.test", "x.wild.test", "127.0.0.1", "::1"])
        expect(verifyChain(chain, { trustAnchors: [anchor], hostname, provider: nobleProvider }).length).toBe(
          2,
        );
      expectAlert(
        () => verifyChain(chain, { trustAnchors: [anchor], hostname: "wild.test", provider: nobleProvider }),
        AlertDescription.bad_certificate,
      );
      const key = loadPrivateKey(leafKey);
      expect(Buffer.from(key.publicKey.spki).equals(Buffer.from(chain[0].publicKey.spki))).toBe(true);
    });
  }
});
