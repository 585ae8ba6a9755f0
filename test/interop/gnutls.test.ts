// Interop with GnuTLS (Debian `gnutls-bin`), an implementation that shares no code with OpenSSL:
// gnutls-cli against our server and our client against gnutls-serv, for the classical groups,
// suites and certificate types, HelloRetryRequest both ways, and RFC 8879 certificate compression
// when this GnuTLS build has it (Debian 12's 3.7.9 is built without; 3.8 builds usually have it).

import type { ChildProcess } from "node:child_process";
import { spawn } from "node:child_process";
import { type AddressInfo, createServer as createNetServer } from "node:net";
import {
  type CertificateCompressionName,
  type ChainAlgorithm,
  type CipherSuiteName,
  connect,
  createServer,
  type GroupName,
  type TlsServer,
  type TlsSocket,
} from "@pqtls/tls13";
import { afterAll, describe, expect, it } from "vitest";
import { TestPki } from "./peer.js";
import { freePort, run, stop, toolVersion, waitForOutput } from "./processes.js";

const version = toolVersion("gnutls-cli");
if (!version) console.warn("skipping GnuTLS interop: no gnutls-cli (apt-get install gnutls-bin)");
const groupsListed = version
  ? ((await run("gnutls-cli", ["--list"])).stdout.match(/^Groups: (.*)$/m)?.[1] ?? "")
  : "";
const hasMlkem = /GROUP-X25519-MLKEM768/.test(groupsListed);
if (version && !hasMlkem)
  console.warn(
    `skipping the X25519MLKEM768 cases with ${version}: this build lists no GROUP-X25519-MLKEM768`,
  );

/**
 * Whether this GnuTLS build can do `alg`: gnutls-cli says "Unknown compression method" while setting
 * up a session when it was built without it. Probed against a listener that just hangs up.
 */
async function gnutlsCompresses(alg: CertificateCompressionName): Promise<boolean> {
  const sink = createNetServer((s) => s.destroy());
  await new Promise<void>((r) => sink.listen(0, "127.0.0.1", r));
  try {
    const port = (sink.address() as AddressInfo).port;
    const r = await run("gnutls-cli", [`--compress-cert=${alg}`, "-p", String(port), "127.0.0.1"], {
      input: "",
      ms: 10_000,
    });
    return !/Unknown compression method/.test(r.stdout + r.stderr);
  } finally {
    sink.close();
  }
}

/** GnuTLS priority names of our groups and suites. */
const GNUTLS_GROUP: Partial<Record<GroupName, string>> = {
  x25519: "GROUP-X25519",
  secp256r1: "GROUP-SECP256R1",
  secp384r1: "GROUP-SECP384R1",
  X25519MLKEM768: "GROUP-X25519-MLKEM768",
};
const GNUTLS_CIPHER: Record<CipherSuiteName, string> = {
  TLS_AES_128_GCM_SHA256: "AES-128-GCM",
  TLS_AES_256_GCM_SHA384: "AES-256-GCM",
  TLS_CHACHA20_POLY1305_SHA256: "CHACHA20-POLY1305",
};
/** How gnutls-cli names the key exchange in its "- Description:" line. */
const GNUTLS_KX: Partial<Record<GroupName, string>> = {
  x25519: "ECDHE-X25519",
  secp256r1: "ECDHE-SECP256R1",
  secp384r1: "ECDHE-SECP384R1",
};

/** TLS 1.3 only, exactly these groups (in order) and this cipher. */
function priority(groups: GroupName[], suite: CipherSuiteName): string {
  return [
    "NORMAL:-VERS-ALL:+VERS-TLS1.3:-GROUP-ALL",
    ...groups.map((g) => `+${GNUTLS_GROUP[g]}`),
    "-CIPHER-ALL",
    `+${GNUTLS_CIPHER[suite]}`,
  ].join(":");
}

interface Case {
  sig: ChainAlgorithm;
  scheme: string;
  gnutlsSig: string;
  group: GroupName;
  suite: CipherSuiteName;
}
const CASES: Case[] = [
  {
    sig: "rsa2048",
    scheme: "rsa_pss_rsae_sha256",
    gnutlsSig: "RSA-PSS-RSAE-SHA256",
    group: "x25519",
    suite: "TLS_AES_256_GCM_SHA384",
  },
  {
    sig: "ecdsa-p256",
    scheme: "ecdsa_secp256r1_sha256",
    gnutlsSig: "ECDSA-SECP256R1-SHA256",
    group: "secp256r1",
    suite: "TLS_CHACHA20_POLY1305_SHA256",
  },
  {
    sig: "ed25519",
    scheme: "ed25519",
    gnutlsSig: "EdDSA-Ed25519",
    group: "secp384r1",
    suite: "TLS_AES_128_GCM_SHA256",
  },
];

describe.skipIf(version === null)(`interop with ${version}`, () => {
  const pki = new TestPki();
  const running: ChildProcess[] = [];
  const servers: TlsServer[] = [];
  afterAll(async () => {
    await Promise.all(running.map((p) => stop(p)));
    for (const s of servers) s.close();
    pki.dispose();
  });

  /** Our echo server; resolves with its port and the sockets it completed handshakes on. */
  async function ourServer(
    sig: ChainAlgorithm,
    opts: { groups?: GroupName[]; certificateCompression?: CertificateCompressionName[] } = {},
  ) {
    const { chain } = pki.get(sig);
    const sockets: TlsSocket[] = [];
    const server = createServer({ cert: chain.chain, key: chain.leafKey, ...opts }, (s) => {
      sockets.push(s);
      s.on("data", (d: Buffer) => s.write(d));
      s.on("end", () => s.end());
      s.on("error", () => {});
    });
    servers.push(server);
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    return { port: (server.address() as AddressInfo).port, sockets };
  }

  /** gnutls-cli sends "ping\n" through our echo server and prints what it negotiated. */
  function gnutlsCli(port: number, caFile: string, prio: string, extra: string[] = []) {
    return run(
      "gnutls-cli",
      ["--x509cafile", caFile, "--priority", prio, "-p", String(port), ...extra, "localhost"],
      { input: "ping\n", ms: 20_000 },
    );
  }

  /** gnutls-serv --echo on a free port; resolves once it listens. */
  async function gnutlsServ(sig: ChainAlgorithm, prio: string, extra: string[] = []) {
    const pem = pki.get(sig);
    const port = await freePort();
    const p = spawn("gnutls-serv", [
      "--echo",
      "-p",
      String(port),
      "--x509certfile",
      pem.certFile,
      "--x509keyfile",
      pem.keyFile,
      "--priority",
      prio,
      ...extra,
    ]);
    running.push(p);
    await waitForOutput(p, /listening on IPv4 .*\.\.\.done/); // "...done" comes after listen()
    return { port, proc: p };
  }

  /** Our client says "hello" to an echo server and reads it back. */
  async function ourClient(
    port: number,
    sig: ChainAlgorithm,
    opts: {
      groups?: GroupName[];
      keyShares?: GroupName[];
      cipherSuites?: CipherSuiteName[];
      certificateCompression?: CertificateCompressionName[];
    },
  ) {
    const c = connect({
      host: "127.0.0.1",
      port,
      servername: "localhost",
      ca: pki.get(sig).chain.root,
      ...opts,
    });
    const echoed = await new Promise<string>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error("timeout talking to gnutls-serv")), 15_000);
      c.once("error", (e) => {
        clearTimeout(timer);
        reject(e);
      });
      c.once("secureConnect", () => c.write("hello\n"));
      c.once("data", (d: Buffer) => {
        clearTimeout(timer);
        resolve(d.toString());
      });
    });
    c.end();
    return { c, echoed };
  }

  describe("gnutls-cli against our server", () => {
    it.each(CASES)("$sig, $group, $suite", async ({ sig, gnutlsSig, group, suite, scheme }) => {
      const { port, sockets } = await ourServer(sig, { groups: [group] });
      const r = await gnutlsCli(port, pki.get(sig).caFile, priority([group], suite));
      expect(r.stderr + r.stdout).toContain("The certificate is trusted");
      expect(r.stdout).toContain(
        `Description: (TLS1.3-X.509)-(${GNUTLS_KX[group]})-(${gnutlsSig})-(${GNUTLS_CIPHER[suite]})`,
      );
      expect(r.stdout).toContain("ping");
      expect(sockets).toHaveLength(1);
      expect(sockets[0].group).toBe(group);
      expect(sockets[0].cipherSuite).toBe(suite);
      expect(sockets[0].signatureScheme).toBe(scheme);
    });

    it("answers gnutls-cli's single key share with a HelloRetryRequest", async () => {
      const { port, sockets } = await ourServer("ecdsa-p256", { groups: ["secp384r1"] });
      const r = await gnutlsCli(
        port,
        pki.get("ecdsa-p256").caFile,
        priority(["secp256r1", "secp384r1"], "TLS_AES_128_GCM_SHA256"),
        ["--single-key-share"],
      );
      expect(r.stdout).toContain("(ECDHE-SECP384R1)");
      expect(r.stdout).toContain("ping");
      expect(sockets[0].helloRetryRequest).toBe(true);
      expect(sockets[0].group).toBe("secp384r1");
    });

    it.skipIf(!hasMlkem)("negotiates X25519MLKEM768", async () => {
      const { port, sockets } = await ourServer("ecdsa-p256", { groups: ["X25519MLKEM768"] });
      const r = await gnutlsCli(
        port,
        pki.get("ecdsa-p256").caFile,
        priority(["X25519MLKEM768"], "TLS_AES_128_GCM_SHA256"),
      );
      expect(r.stdout).toContain("ping");
      expect(sockets[0].group).toBe("X25519MLKEM768");
    });
  });

  describe("our client against gnutls-serv", () => {
    it.each(CASES)("$sig, $group, $suite", async ({ sig, group, suite, scheme }) => {
      const { port } = await gnutlsServ(sig, priority([group], suite));
      const { c, echoed } = await ourClient(port, sig, {
        groups: [group],
        keyShares: [group],
        cipherSuites: [suite],
      });
      expect(echoed).toBe("hello\n");
      expect(c.authorized).toBe(true);
      expect(c.group).toBe(group);
      expect(c.cipherSuite).toBe(suite);
      expect(c.signatureScheme).toBe(scheme);
    });

    it.skipIf(!hasMlkem)("negotiates X25519MLKEM768", async () => {
      const { port } = await gnutlsServ("ecdsa-p256", priority(["X25519MLKEM768"], "TLS_AES_128_GCM_SHA256"));
      const { c, echoed } = await ourClient(port, "ecdsa-p256", { groups: ["X25519MLKEM768"] });
      expect(echoed).toBe("hello\n");
      expect(c.group).toBe("X25519MLKEM768");
    });

    it("follows gnutls-serv's HelloRetryRequest", async () => {
      const { port } = await gnutlsServ("ecdsa-p256", priority(["secp256r1"], "TLS_AES_128_GCM_SHA256"));
      const { c, echoed } = await ourClient(port, "ecdsa-p256", {
        groups: ["x25519", "secp256r1"],
        keyShares: ["x25519"],
      });
      expect(echoed).toBe("hello\n");
      expect(c.helloRetryRequest).toBe(true);
      expect(c.group).toBe("secp256r1");
    });
  });

  describe("RFC 8879 certificate compression", () => {
    it.for(["brotli", "zlib"] as const)(
      "gnutls-cli --compress-cert=%s decompresses our CompressedCertificate",
      async (alg, ctx) => {
        if (!(await gnutlsCompresses(alg))) {
          const why = `${version} is built without ${alg} certificate compression ("Unknown compression method")`;
          console.warn(`skipping: ${why}`);
          ctx.skip(why);
        }
        const { port, sockets } = await ourServer("rsa2048", { certificateCompression: ["zlib", "brotli"] });
        const r = await gnutlsCli(
          port,
          pki.get("rsa2048").caFile,
          priority(["x25519"], "TLS_AES_128_GCM_SHA256"),
          [`--compress-cert=${alg}`],
        );
        expect(r.stderr + r.stdout).toContain("The certificate is trusted");
        expect(r.stdout).toContain("ping");
        expect(sockets[0].certificateCompression?.algorithm).toBe(alg);
        expect(sockets[0].certificateCompression!.compressedBytes).toBeLessThan(
          sockets[0].certificateCompression!.uncompressedBytes,
        );
      },
    );

    it.for(["brotli", "zlib"] as const)(
      "our client decompresses gnutls-serv --compress-cert=%s",
      async (alg, ctx) => {
        if (!(await gnutlsCompresses(alg))) {
          const why = `${version} is built without ${alg} certificate compression ("Unknown compression method")`;
          console.warn(`skipping: ${why}`);
          ctx.skip(why);
        }
        const { port } = await gnutlsServ("rsa2048", priority(["x25519"], "TLS_AES_128_GCM_SHA256"), [
          `--compress-cert=${alg}`,
        ]);
        const { c, echoed } = await ourClient(port, "rsa2048", {
          groups: ["x25519"],
          certificateCompression: [alg],
        });
        expect(echoed).toBe("hello\n");
        expect(c.authorized).toBe(true);
        expect(c.certificateCompression?.algorithm).toBe(alg);
      },
    );
  });
});
