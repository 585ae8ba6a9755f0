// End to end: `pqtls run --chain-reduction ... --client-knowledge ...` on the TUN link through the
// built CLI, with the depth-3 ML-DSA-65 chain (leaf + one intermediate sent), the only fixture with
// an intermediate to trim. What the rows must show (issue 20):
//   - the plain cell's certificate message is the fixture's (fixtures/pki/manifest.json);
//   - suppress-ca with the intermediates preloaded, or cached by a warm-up connection: the server
//     sends exactly the intermediate's CertificateEntry (DER + 3-byte length + 2-byte extensions)
//     fewer bytes, in the Certificate and in the whole server→client handshake; a client that knows
//     nothing does not ask, and the bytes are the plain cell's;
//   - trust-anchor-ids with the intermediate held as an anchor (preloaded, or cached by a warm-up):
//     the same entry elided, plus the 4-byte empty trust_anchors extension that marks the matched
//     path and the server's list of its anchor IDs in EncryptedExtensions;
//   - abridged and brotli: server→client falls by exactly what the compressed message saved;
//   - the size models (mtc-model, authkem-model): the server sends the model's chain, so the
//     server→client bytes are the plain cell's with its certificate message swapped for the model's
//     (computed here from the model chain's certificates) and, for AuthKEM, the CertificateVerify
//     cut from an ML-DSA-65 signature to an Ed25519 one;
//   - at initcwnd 10 and 100 ms RTT the plain PQ flight (~16 KB) needs a second round trip and the
//     suppressed one (~10.4 KB) does not: the handshake is shorter by most of an RTT.
import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { loadCertificates } from "@pqtls/tls13";
import { afterAll, describe, expect, it } from "vitest";
import { pqtls, readRows, repoRoot, tunLinkSkipReason } from "../cli.js";

const skipWhy = tunLinkSkipReason("chain reduction end-to-end test");

const dir = mkdtempSync(join(tmpdir(), "pqtls-e2e-reduction-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const CHAIN = "mldsa65";
const manifest = JSON.parse(readFileSync(join(repoRoot, "fixtures", "pki", "manifest.json"), "utf8")) as {
  chains: Record<string, { certificateMessageBytes: number; certificates: { bytes: number }[] }>;
};
const fixture = manifest.chains[CHAIN];
/** The intermediate's CertificateEntry: its DER, a 3-byte length and 2 bytes of (empty) extensions. */
const INTERMEDIATE_ENTRY = fixture.certificates[1].bytes + 3 + 2;

type Row = Record<string, unknown> & { cert_msg_bytes: number; hs_bytes_s2c: number; handshake_ms: number };

function run(name: string, args: string[]): Promise<Row[]> {
  const out = join(dir, `${name}.jsonl`);
  return pqtls(
    [
      "run",
      "--config",
      "/dev/null",
      "--engine",
      "pqtls",
      "--link",
      "tun",
      "--variants",
      `X25519MLKEM768:${CHAIN}`,
      "--bytes",
      "0",
      "--warmups",
      "0",
      "--out",
      out,
      "--quiet",
      ...args,
    ],
    { timeoutMs: 120_000 },
  ).then((r) => {
    expect(r.stderr).not.toMatch(/pqtls: /);
    expect(r.code).toBe(0);
    const rows = readRows(out) as Row[];
    for (const row of rows) expect([row.ok, row.error]).toEqual([true, null]);
    return rows;
  });
}

/** The one value every sample of a cell has for `field` (each sample sends the same bytes). */
function only(rows: Row[], reduction: string, knowledge: string, field: "cert_msg_bytes" | "hs_bytes_s2c") {
  const cell = rows.filter(
    (x) => (x.chain_reduction ?? "none") === reduction && (x.client_knowledge ?? "none") === knowledge,
  );
  expect(cell.length, `${reduction}/${knowledge}`).toBeGreaterThan(0);
  const values = new Set(cell.map((x) => x[field]));
  expect(values.size, `${reduction}/${knowledge} ${field}`).toBe(1);
  return [...values][0] as number;
}

describe.skipIf(skipWhy !== null)("pqtls run --chain-reduction on the tun link", () => {
  it("each mechanism removes exactly the bytes it elides or compresses away", async () => {
    const rows = await run("bytes", [
      "--chain-reduction",
      "none,suppress-ca,trust-anchor-ids,abridged,brotli",
      "--client-knowledge",
      "none,cached,preloaded",
      "--rtt",
      "10ms",
      "--samples",
      "2",
    ]);
    // Client knowledge is crossed only with the mechanisms that read it (suppress-ca, trust-anchor-ids).
    expect(rows).toHaveLength((2 * 3 + 3) * 2);
    const cert = (r: string, k: string) => only(rows, r, k, "cert_msg_bytes");
    const s2c = (r: string, k: string) => only(rows, r, k, "hs_bytes_s2c");

    const plain = cert("none", "none");
    expect(plain).toBe(fixture.certificateMessageBytes);

    // Suppress CA: a client that knows nothing does not ask; one that knows gets the leaf alone.
    expect(cert("suppress-ca", "none")).toBe(plain);
    expect(s2c("suppress-ca", "none")).toBe(s2c("none", "none"));
    for (const k of ["preloaded", "cached"]) {
      expect(cert("suppress-ca", k), k).toBe(plain - INTERMEDIATE_ENTRY);
      expect(s2c("none", "none") - s2c("suppress-ca", k), k).toBe(INTERMEDIATE_ENTRY);
    }

    // Trust Anchor IDs: the root's ID gets the whole path, the intermediate's the leaf alone; both
    // marked by the 4-byte empty trust_anchors extension in the leaf's entry, and the server lists
    // the IDs it has paths for in EncryptedExtensions (for a retry): 32473.1 and 32473.2 are 4-byte
    // relative OIDs (32473 takes 3 base-128 bytes) with a 1-byte length each, in a 2-byte list,
    // behind the 4-byte extension header.
    const EE_ANCHORS = 4 + 2 + 2 * (1 + 4);
    expect(cert("trust-anchor-ids", "none")).toBe(plain + 4);
    expect(s2c("trust-anchor-ids", "none") - s2c("none", "none")).toBe(4 + EE_ANCHORS);
    for (const k of ["preloaded", "cached"]) {
      expect(cert("trust-anchor-ids", k), k).toBe(plain - INTERMEDIATE_ENTRY + 4);
      expect(s2c("none", "none") - s2c("trust-anchor-ids", k), k).toBe(INTERMEDIATE_ENTRY - 4 - EE_ANCHORS);
    }
    // Rows name the mechanism and knowledge in the cell id, and say none by leaving the fields out.
    const cell = rows.find((x) => x.chain_reduction === "suppress-ca" && x.client_knowledge === "cached")!;
    expect(cell.cell).toMatch(/\/chain_reduction=suppress-ca\/client_knowledge=cached$/);
    const plainRow = rows.find((x) => x.chain_reduction === undefined && x.client_knowledge === undefined);
    expect(plainRow?.cell).not.toMatch(/chain_reduction|client_knowledge/);

    // Compression: the server sends exactly what it saved fewer bytes.
    for (const r of ["abridged", "brotli"]) {
      const saved = plain - cert(r, "none");
      expect(saved, r).toBeGreaterThan(0);
      expect(s2c("none", "none") - s2c(r, "none"), r).toBe(saved);
    }
    // Abridged replaces the intermediate by a 3-byte identifier: it saves at least its DER.
    expect(plain - cert("abridged", "none")).toBeGreaterThan(fixture.certificates[1].bytes);

    // The run's report has a section per mechanism against none, with the same byte accounting.
    const report = readFileSync(join(dir, "bytes.md"), "utf8");
    const section = report.slice(report.indexOf("## Chain-size trimming"));
    expect(section).toMatch(/^## Chain-size trimming\n/);
    const saved = INTERMEDIATE_ENTRY.toLocaleString("en-US");
    const none = s2c("none", "none").toLocaleString("en-US");
    const sca = s2c("suppress-ca", "preloaded").toLocaleString("en-US");
    // None is measured once, for a client holding nothing (client knowledge does not apply to it).
    expect(section).toContain(
      `| suppress-ca | preloaded (vs none with knowledge none) | ${none} → ${sca} | ${saved} |`,
    );
  });

  it("a size model's server flight is the plain one with the model's certificate message", async () => {
    // The model chains are made into this folder, where the test reads what the server sent.
    const cache = join(dir, "chains");
    process.env.PQTLS_CHAIN_CACHE = cache;
    let rows: Row[];
    try {
      rows = await run("models", [
        "--chain-reduction",
        "none,mtc-model,authkem-model",
        "--rtt",
        "10ms",
        "--samples",
        "2",
      ]);
    } finally {
      delete process.env.PQTLS_CHAIN_CACHE;
    }
    /** A Certificate message for `ders`: header 4, context 1, list length 3, per entry 3 + DER + 2. */
    const certificateMessage = (ders: number[]) => 4 + 1 + 3 + ders.reduce((n, d) => n + 3 + d + 2, 0);
    const modelMessage = (model: string) => {
      const folder = readdirSync(cache).find((f) => f.startsWith(`${CHAIN}+${model}-`));
      expect(folder, model).toBeDefined();
      const pem = readFileSync(join(cache, folder!, "chain.pem"), "utf8");
      return {
        ders: loadCertificates(pem).map((c) => c.der.length),
        text: readFileSync(join(cache, folder!, "model.txt"), "utf8"),
      };
    };
    const plainCert = only(rows, "none", "none", "cert_msg_bytes");
    const plainS2c = only(rows, "none", "none", "hs_bytes_s2c");

    // MTC: the landmark-relative leaf alone (no intermediate, no CA signature), with the chain's
    // ML-DSA-65 key, so CertificateVerify is unchanged.
    const mtc = modelMessage("mtc-model");
    expect(mtc.ders).toHaveLength(1);
    expect(mtc.text).toMatch(/^MTC model: .*not modelled/);
    expect(only(rows, "mtc-model", "none", "cert_msg_bytes")).toBe(certificateMessage(mtc.ders));
    expect(only(rows, "mtc-model", "none", "hs_bytes_s2c")).toBe(
      plainS2c - plainCert + certificateMessage(mtc.ders),
    );

    // AuthKEM: leaf (ML-KEM-768-sized key) + the ML-DSA-65 intermediate; CertificateVerify carries
    // an Ed25519 signature (64 bytes) instead of ML-DSA-65's (3309 bytes, FIPS 204).
    const authkem = modelMessage("authkem-model");
    expect(authkem.ders).toHaveLength(2);
    expect(authkem.text).toMatch(/^AuthKEM model: mlkem768 .*not modelled/);
    expect(only(rows, "authkem-model", "none", "cert_msg_bytes")).toBe(certificateMessage(authkem.ders));
    expect(only(rows, "authkem-model", "none", "hs_bytes_s2c")).toBe(
      plainS2c - plainCert + certificateMessage(authkem.ders) + (64 - 3309),
    );
    // The report names them as models whose flow is not modelled.
    const report = readFileSync(join(dir, "models.md"), "utf8");
    expect(report).toMatch(/(authkem-model, mtc-model|mtc-model, authkem-model) are size models/);
    expect(report).toContain("flow changes are not modelled");
  });

  it("at initcwnd 10 the suppressed flight fits the first window and saves a round trip", async () => {
    const rttMs = 100;
    const rows = await run("cwnd", [
      "--chain-reduction",
      "none,suppress-ca",
      "--client-knowledge",
      "preloaded",
      "--rtt",
      `${rttMs}ms`,
      "--initcwnd",
      "10",
      "--samples",
      "3",
    ]);
    const median = (r: string) => {
      const v = rows
        .filter((x) => (x.chain_reduction ?? "none") === r)
        .map((x) => x.handshake_ms)
        .sort((a, b) => a - b);
      return v[Math.floor(v.length / 2)];
    };
    // The second round trip is one RTT; half of it is a margin for a busy host.
    expect(median("none") - median("suppress-ca")).toBeGreaterThan(rttMs / 2);
    // The report says which flight crossed the first window (10 × 1448 B at MTU 1500) and that
    // suppression brought it under.
    const report = readFileSync(join(dir, "cwnd.md"), "utf8");
    expect(report).toContain("## Chain-size trimming");
    expect(report).toMatch(
      /is over 14,480 B \(initcwnd 10 × MSS 1448\); suppress-ca \(client knowledge preloaded\) brings it under/,
    );
  });
});
