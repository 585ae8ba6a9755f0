// End to end: `pqtls run` on the TUN link between two namespaces, through the built CLI. A small
// matrix runs and its rows are checked against what the link and the protocol imply; SIGINT
// mid-run leaves a valid file and no namespaces, and --resume completes it exactly; bad configs stop
// with one line before anything is set up.
import { execFileSync, spawn } from "node:child_process";
import { X509Certificate } from "node:crypto";
import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, relative } from "node:path";
import { loadResults, REQUIRED_ROW_FIELDS, summarize } from "@pqtls/report";
import { afterAll, describe, expect, it, onTestFinished } from "vitest";
import { cliPath as cli, expectRunRefused, pqtls, repoRoot as repo, tunLinkSkipReason } from "../cli.js";

const isRoot = process.getuid?.() === 0;
const skipWhy = tunLinkSkipReason("pqtls run end-to-end tests");

/** The engines this build can run: openssl always (the Node 24 peer), pqtls once its API exists. */
async function engines(): Promise<string[]> {
  const tls = (await import("@pqtls/tls13").catch(() => ({}))) as Record<string, unknown>;
  return typeof tls.connect === "function" && typeof tls.createServer === "function"
    ? ["openssl", "pqtls"]
    : ["openssl"];
}

const dirs: string[] = [];
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});
function tmp(): string {
  const d = mkdtempSync(join(tmpdir(), "pqtls-e2e-"));
  dirs.push(d);
  return d;
}

function readLines(path: string): Record<string, unknown>[] {
  return readFileSync(path, "utf8")
    .split("\n")
    .filter((l) => l !== "")
    .map((l) => JSON.parse(l) as Record<string, unknown>);
}

/** Namespaces of one run (its id is the lanes' namespace tag; other suites may run lanes meanwhile). */
function namespacesOf(run: string): string[] {
  return execFileSync("ip", ["netns", "list"], { encoding: "utf8" })
    .split("\n")
    .map((l) => l.split(" ")[0])
    .filter((n) => n.startsWith(`pqtls-${run}-`));
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

describe.skipIf(skipWhy !== null)("pqtls run on the tun link", () => {
  it("runs a small matrix: every field, counts as planned, PQ bytes and TTLB as the link implies", async () => {
    const dir = tmp();
    const out = join(dir, "small.jsonl");
    const engs = await engines();
    const samples = 3;
    const r = await pqtls([
      "run",
      "--config",
      "/dev/null",
      "--engine",
      engs.join(","),
      "--variants",
      "x25519:rsa2048,X25519MLKEM768:rsa2048,X25519MLKEM768:mldsa65",
      "--rtt",
      "20ms",
      "--rate",
      "20mbit",
      "--initcwnd",
      "20",
      "--bytes",
      "0,64KiB",
      "--samples",
      String(samples),
      "--warmups",
      "1",
      "--out",
      out,
      "--quiet",
    ]);
    expect(r.stderr).not.toMatch(/pqtls: /);
    expect(r.stderr).not.toMatch(/link check CHECK/); // the median TCP connect is about one RTT
    expect(r.code).toBe(0);
    const [meta, ...rows] = readLines(out);
    expect(meta).toMatchObject({ type: "meta", link_backend: "tun", format: 1 });
    expect(JSON.stringify(meta.link_state)).toContain("initcwnd");
    expect(meta.timing_definition).toMatch(/before the TCP connect/);
    expect(rows.length).toBe(engs.length * 3 * 2 * samples);
    for (const row of rows) {
      for (const f of REQUIRED_ROW_FIELDS) expect(row, f).toHaveProperty(f);
      expect(row.error).toBeNull();
      expect(row.ok).toBe(true);
    }
    // The link: TCP connect takes one RTT, the handshake at least two.
    for (const row of rows) {
      expect(row.tcp_connect_ms as number).toBeGreaterThanOrEqual(19.5);
      expect(row.tcp_connect_ms as number).toBeLessThan(40);
      expect(row.handshake_ms as number).toBeGreaterThanOrEqual(39);
    }
    for (const engine of engs) {
      const of = (kex: string, chain: string, bytes: number) =>
        rows.filter((x) => x.engine === engine && x.kex === kex && x.chain === chain && x.bytes === bytes);
      const one = (kex: string, chain: string) => of(kex, chain, 0)[0];
      // Every sample of a cell sends the same handshake.
      for (const row of rows.filter((x) => x.engine === engine))
        expect(row.hs_bytes_c2s).toBe(
          of(row.kex as string, row.chain as string, row.bytes as number)[0].hs_bytes_c2s,
        );
      // X25519MLKEM768 vs x25519: the client share grows by the ML-KEM-768 key (1184 B), the server's
      // by the ciphertext (1088 B); a client may differ by a few bytes of other extensions.
      const c = one("x25519", "rsa2048");
      const pq = one("X25519MLKEM768", "rsa2048");
      expect((pq.hs_bytes_c2s as number) - (c.hs_bytes_c2s as number)).toBeGreaterThanOrEqual(1184 - 16);
      expect((pq.hs_bytes_c2s as number) - (c.hs_bytes_c2s as number)).toBeLessThanOrEqual(1184 + 16);
      expect((pq.hs_bytes_s2c as number) - (c.hs_bytes_s2c as number)).toBeGreaterThanOrEqual(1088 - 8);
      expect((pq.hs_bytes_s2c as number) - (c.hs_bytes_s2c as number)).toBeLessThanOrEqual(1088 + 8);
      // mldsa65 vs rsa2048 chain, both leaf + intermediate: Certificate message 8 B of headers + 5 B
      // per certificate + DER (fixtures/pki/manifest.json: 5710 + 5603 vs 981 + 874 B), 11331 vs
      // 1873 B, and a CertificateVerify signature of 3309 vs 256 B: 9458 + 3053 = 12511 B more.
      const mldsa = one("X25519MLKEM768", "mldsa65");
      const certMsg = { rsa2048: 8 + (5 + 981) + (5 + 874), mldsa65: 8 + (5 + 5710) + (5 + 5603) };
      expect(certMsg).toEqual({ rsa2048: 1873, mldsa65: 11331 });
      const more = certMsg.mldsa65 - certMsg.rsa2048 + (3309 - 256);
      expect((mldsa.hs_bytes_s2c as number) - (pq.hs_bytes_s2c as number)).toBeGreaterThanOrEqual(more - 32);
      expect((mldsa.hs_bytes_s2c as number) - (pq.hs_bytes_s2c as number)).toBeLessThanOrEqual(more + 64);
      // Every row says what its chain sent, for either engine; the pqtls client measures the same.
      for (const [row, chain] of [
        [pq, "rsa2048"],
        [mldsa, "mldsa65"],
      ] as const) {
        expect([row.chain_certs, row.chain_msg_bytes]).toEqual([2, certMsg[chain]]);
        if (engine === "pqtls") expect(row.cert_msg_bytes).toBe(certMsg[chain]);
      }
      // TTLB grows with the response: 64 KiB at 20 Mbit/s is >= 26 ms of serialisation plus a round trip.
      for (const [kex, chain] of [
        ["x25519", "rsa2048"],
        ["X25519MLKEM768", "mldsa65"],
      ]) {
        const t0 = median(of(kex, chain, 0).map((x) => x.ttlb_ms as number));
        const t64 = median(of(kex, chain, 65536).map((x) => x.ttlb_ms as number));
        expect(t64 - t0).toBeGreaterThan(26 + 18);
        for (const x of of(kex, chain, 65536)) {
          expect(x.ttfb_ms as number).toBeGreaterThan(x.handshake_ms as number);
          expect(x.ttlb_ms as number).toBeGreaterThan(x.ttfb_ms as number);
        }
      }
    }
    expect(existsSync(join(dir, "small.md"))).toBe(true);
    expect(meta.run).toMatch(/^[a-z0-9]{6}$/);
    expect(namespacesOf(meta.run as string)).toEqual([]);
  });

  it("--chain DIR serves a folder written by pqtls certs --out, on both engines, and rows say what it sent", async () => {
    const dir = tmp();
    const chainDir = join(dir, "pq65");
    const made = await pqtls(
      ["certs", "--sig", "mldsa65", "--depth", "3", "--hostname", "pq.example", "--out", chainDir],
      { timeoutMs: 60_000 },
    );
    expect(made.code, made.stderr).toBe(0);
    // The Certificate message the folder's chain.pem makes, counted here from its DER (RFC 8446
    // §4.4.2: 8 B of headers, then per certificate a 3-byte length, the DER and 2 B of extensions).
    const pems =
      readFileSync(join(chainDir, "chain.pem"), "utf8").match(
        /-----BEGIN CERTIFICATE-----[^-]+-----END CERTIFICATE-----/g,
      ) ?? [];
    const certs = pems.map((p) => new X509Certificate(p));
    // Leaf + intermediate: only the leaf is issued for the folder's name.
    expect(certs.map((c) => c.checkHost("pq.example") !== undefined)).toEqual([true, false]);
    const msgBytes = 8 + certs.reduce((n, c) => n + 3 + c.raw.length + 2, 0);
    const out = join(dir, "folder.jsonl");
    const engs = await engines();
    const r = await pqtls([
      "run",
      "--config",
      "/dev/null",
      "--engine",
      engs.join(","),
      "--variants",
      `x25519:rsa2048,X25519MLKEM768:${chainDir}`,
      "--rtt",
      "10ms",
      "--bytes",
      "0",
      "--samples",
      "2",
      "--warmups",
      "0",
      "--out",
      out,
      "--quiet",
      "--no-report",
    ]);
    expect(r.stderr).not.toMatch(/pqtls: /);
    expect(r.code).toBe(0);
    const [, ...rows] = readLines(out);
    expect(rows).toHaveLength(engs.length * 2 * 2);
    for (const row of rows) expect([row.ok, row.error]).toEqual([true, null]);
    const folder = rows.filter((x) => x.chain === chainDir);
    expect(folder).toHaveLength(engs.length * 2);
    for (const row of folder) {
      // Served with the folder's servername (the client checks the leaf against it) and sent whole.
      expect([row.chain_certs, row.chain_msg_bytes]).toEqual([2, msgBytes]);
      if (row.engine === "pqtls") expect(row.cert_msg_bytes).toBe(msgBytes);
    }
    // The leaf's key algorithm, read from the folder's leaf ("pq65" says nothing): the report's
    // default comparison (PQ kex and PQ chain vs classical) takes the folder as the PQ side by it.
    expect(new Set(rows.map((x) => `${x.chain === chainDir ? "folder" : x.chain}:${x.chain_key}`))).toEqual(
      new Set(["rsa2048:rsa", "folder:mldsa65"]),
    );
    const summary = summarize(await loadResults([out]), { resamples: 50 });
    expect(summary.comparisons.map((c) => c.variant.variant.chain)).toEqual(engs.map(() => chainDir));
  });

  it("records failed connections as rows with the error (a link that drops everything times out)", async () => {
    const out = join(tmp(), "fail.jsonl");
    const r = await pqtls([
      "run",
      "--config",
      "/dev/null",
      "--engine",
      "openssl",
      "--variants",
      "x25519:rsa2048",
      "--loss",
      "100%",
      "--timeout",
      "1s",
      "--samples",
      "2",
      "--warmups",
      "0",
      "--out",
      out,
      "--quiet",
      "--no-report",
    ]);
    expect(r.code).toBe(0);
    expect(r.stderr).toMatch(/2 rows written \(2 failed\)/);
    const [, ...rows] = readLines(out);
    expect(rows.map((x) => x.sample)).toEqual([0, 1]);
    for (const row of rows) {
      expect(row.ok).toBe(false);
      expect(row.error).toMatch(/^timeout after 1000 ms during tcp connect/);
      expect(row.tcp_connect_ms).toBeNull();
      expect(row.handshake_ms).toBeNull();
      expect(row.ttlb_ms).toBeNull();
      expect((row.link as Record<string, number>)["up.lost"]).toBeGreaterThan(0);
    }
  });

  it("SIGINT mid-run on two lanes leaves valid JSONL and no namespaces; --resume completes it exactly", async () => {
    const dir = tmp();
    const out = join(dir, "int.jsonl");
    const args = [
      "run",
      "--config",
      "/dev/null",
      "--engine",
      "openssl",
      "--variants",
      "x25519:rsa2048,X25519MLKEM768:mldsa65",
      "--rtt",
      "40ms",
      "--bytes",
      "0",
      "--samples",
      "15",
      "--warmups",
      "0",
      "--lanes",
      "2",
      "--out",
      out,
      "--quiet",
      "--no-report",
    ];
    const first = await pqtls(args, {
      onSpawn: (child) => {
        const poll = setInterval(() => {
          if (existsSync(out) && readFileSync(out, "utf8").split("\n").length > 6) {
            clearInterval(poll);
            child.kill("SIGINT");
          }
        }, 20);
        child.on("exit", () => clearInterval(poll));
      },
    });
    expect(first.code).toBe(130);
    expect(first.stderr).toMatch(/interrupted: \d+ rows written/);
    const partial = readLines(out); // every line parses
    expect(partial[0].type).toBe("meta");
    const got = partial.length - 1;
    expect(got).toBeGreaterThanOrEqual(5);
    expect(got).toBeLessThan(30);
    const run = partial[0].run as string;
    expect(namespacesOf(run)).toEqual([]);

    const second = await pqtls([...args, "--resume"]);
    expect(second.code).toBe(0);
    expect(second.stderr).toMatch(
      new RegExp(`${30 - got} rows written \\(0 failed\\), ${got} already recorded`),
    );
    const [meta, ...rows] = readLines(out);
    expect(meta.run).toBe(run);
    expect(rows.length).toBe(30);
    const keys = rows.map((x) => `${x.cell}#${x.sample}`);
    expect(new Set(keys).size).toBe(30);
    const cells = new Set(rows.map((x) => x.cell));
    expect(cells.size).toBe(2);
    for (const cell of cells)
      expect(
        rows
          .filter((x) => x.cell === cell)
          .map((x) => x.sample as number)
          .sort((a, b) => a - b),
      ).toEqual(Array.from({ length: 15 }, (_, i) => i));
    expect(rows.every((x) => x.run === run && x.ok === true)).toBe(true);
    // Two lanes, each its own link, shared the rounds.
    expect(new Set(rows.map((x) => x.lane))).toEqual(new Set([0, 1]));
    expect(namespacesOf(run)).toEqual([]);
  });
});

describe("bad configs stop with one line before any set-up", () => {
  const cases: [string, string[], RegExp][] = [
    [
      "unknown group",
      ["--kex", "x25519,X25519Kyber768"],
      /^pqtls: flags: kex: unknown group "X25519Kyber768"/,
    ],
    ["negative size", ["--bytes", "0,-1KiB"], /^pqtls: flags: bytes must not be negative/],
    [
      "unknown key in a config file",
      ["--config", join(repo, "package.json")],
      /^pqtls: .*package\.json: unknown config key "name"/,
    ],
    ["unknown preset", ["--preset", "nope"], /^pqtls: unknown preset "nope"/],
    ["unknown chain", ["--chain", "rsa1024"], /^pqtls: flags: chain: unknown chain "rsa1024"/],
  ];
  for (const [what, args, message] of cases)
    it(what, async () => {
      const dir = tmp();
      const out = join(dir, "never.jsonl");
      // Refused before the runner starts: no results file, so no run id, lane or namespace either.
      await expectRunRefused(args, out, message);
      expect(existsSync(dirname(out))).toBe(true);
    });

  it.skipIf(!isRoot)("without root it explains itself, unless --link none", async () => {
    const out = join(tmp(), "x.jsonl");
    // The checkout may be, or sit under, a folder nobody cannot traverse (CI may clone into a 0700
    // mktemp folder): in a private mount namespace it is mounted on a world-readable path first, so
    // the unprivileged process reaches the same files.
    const view = mkdtempSync(join(tmpdir(), "pqtls-nobody-"));
    chmodSync(view, 0o755);
    onTestFinished(() => rmSync(view, { recursive: true, force: true }));
    const viewCli = join(view, relative(repo, cli));
    const asNobody = (args: string[]) =>
      new Promise<Done>((resolve) => {
        const child = spawn(
          "unshare",
          [
            "--mount",
            "--propagation=private",
            "sh",
            "-c",
            // A bind mount of the root would keep its 0700 mode: mount a 0755 tmpfs and bind each
            // top-level entry (whose own modes are ordinary) into it instead.
            'mount -t tmpfs -o mode=0755 pqtls "$1" && for e in "$0"/*; do n="$1/$(basename "$e")"; ' +
              'if [ -d "$e" ]; then mkdir "$n"; else : >"$n"; fi; mount --bind "$e" "$n" || exit 1; done && ' +
              'shift && exec setpriv --reuid=65534 --regid=65534 --clear-groups "$@"',
            repo,
            view,
            process.execPath,
            viewCli,
            "run",
            ...args,
          ],
          { stdio: ["ignore", "pipe", "pipe"] },
        );
        let stdout = "";
        let stderr = "";
        child.stdout.on("data", (d) => (stdout += d));
        child.stderr.on("data", (d) => (stderr += d));
        child.on("exit", (code) => resolve({ code, stdout, stderr }));
      });
    const refused = await asNobody(["--out", out]);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toMatch(/^pqtls: pqtls run needs root .* or pass --link none/);
    expect(refused.stderr.trimEnd().split("\n")).toHaveLength(1);
    expect(existsSync(out)).toBe(false);
    // Planning touches nothing, so it works for anyone.
    const dry = await asNobody(["--link", "none", "--dry-run"]);
    expect(dry.code).toBe(0);
    expect(dry.stdout).toMatch(/^plan: 8 cells/);
  });
});
