// The chain_reduction × client_knowledge options the pqtls endpoints pass to @pqtls/tls13, over real
// handshakes on loopback with the depth-3 ML-DSA-65 fixture (leaf + one intermediate sent): the
// Certificate message each pair gets, to the byte, and that the client still verifies the chain.
import { readFileSync } from "node:fs";
import type { AddressInfo } from "node:net";
import { join } from "node:path";
import { connect, createServer, loadProvider, type TlsSocket } from "@pqtls/tls13";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  type ChainReduction,
  type ClientKnowledge,
  clientReductionOptions,
  serverReductionOptions,
} from "../src/run/endpoint/chain-reduction.js";
import { pkiDir } from "../src/run/pki.js";

const dir = join(pkiDir(), "mldsa65");
const chainPem = readFileSync(join(dir, "chain.pem"), "latin1");
const rootPem = readFileSync(join(dir, "root.pem"), "latin1");
const keyPem = readFileSync(join(dir, "leaf.key"), "latin1");
const servername = readFileSync(join(dir, "servername"), "utf8").trim();
const manifest = JSON.parse(readFileSync(join(pkiDir(), "manifest.json"), "utf8")).chains["mldsa65"];
const PLAIN: number = manifest.certificateMessageBytes;
const INTERMEDIATE_ENTRY: number = manifest.certificates[1].bytes + 3 + 2;

const provider = await loadProvider("auto");
const REDUCTIONS: ChainReduction[] = ["none", "suppress-ca", "trust-anchor-ids", "abridged", "brotli"];
const servers = new Map<ChainReduction, { close(): void; port: number }>();

beforeAll(async () => {
  for (const r of REDUCTIONS) {
    const server = createServer({
      cert: chainPem,
      key: keyPem,
      provider,
      tickets: 0,
      ...serverReductionOptions(r, chainPem, rootPem),
    });
    server.on("secureConnection", (s: TlsSocket) => s.end());
    server.on("tlsClientError", () => {});
    await new Promise<void>((ok) => server.listen(0, "127.0.0.1", () => ok()));
    servers.set(r, { close: () => server.close(), port: (server.address() as AddressInfo).port });
  }
});
afterAll(() => {
  for (const s of servers.values()) s.close();
});

/** One handshake; the certificate message the client received (bytes with header) and its verdict. */
function handshake(r: ChainReduction, k: ClientKnowledge, warmup = false) {
  return new Promise<{ cert: number; authorized: boolean }>((resolve, reject) => {
    const socket = connect({
      host: "127.0.0.1",
      port: servers.get(r)!.port,
      servername,
      ca: rootPem,
      provider,
      ...clientReductionOptions(r, k, chainPem, rootPem, warmup),
    });
    socket.on("error", reject);
    socket.on("secureConnect", () => {
      const msg = socket.timings.messages.find(
        (m) => m.direction === "received" && /^(compressed_)?certificate$/.test(m.type),
      );
      resolve({ cert: msg?.length ?? -1, authorized: socket.authorized });
      socket.on("data", () => {});
      socket.end();
    });
  });
}

describe("chain_reduction options over a handshake", () => {
  it("none, and a client that knows nothing, get the whole chain", async () => {
    expect(await handshake("none", "none")).toEqual({ cert: PLAIN, authorized: true });
    expect(await handshake("suppress-ca", "none")).toEqual({ cert: PLAIN, authorized: true });
    // Trust anchor IDs with the root's ID: the whole path, its entry marked by the empty extension.
    expect(await handshake("trust-anchor-ids", "none")).toEqual({ cert: PLAIN + 4, authorized: true });
  });

  it("preloaded intermediates: suppression and anchor elision drop exactly the intermediate's entry", async () => {
    expect(await handshake("suppress-ca", "preloaded")).toEqual({
      cert: PLAIN - INTERMEDIATE_ENTRY,
      authorized: true,
    });
    expect(await handshake("trust-anchor-ids", "preloaded")).toEqual({
      cert: PLAIN - INTERMEDIATE_ENTRY + 4,
      authorized: true,
    });
  });

  it("cached: the warm-up gets the whole chain, the next connection the leaf alone", async () => {
    for (const r of ["suppress-ca", "trust-anchor-ids"] as const) {
      const warm = await handshake(r, "cached", true);
      expect(warm.authorized, r).toBe(true);
      const next = await handshake(r, "cached");
      expect(next.authorized, r).toBe(true);
      expect(next.cert, r).toBe(PLAIN - INTERMEDIATE_ENTRY + (r === "trust-anchor-ids" ? 4 : 0));
    }
  });

  it("abridged replaces the intermediate by an identifier and beats brotli on a PQ chain", async () => {
    const abridged = await handshake("abridged", "none");
    const brotli = await handshake("brotli", "none");
    expect(abridged.authorized && brotli.authorized).toBe(true);
    expect(PLAIN - abridged.cert).toBeGreaterThan(manifest.certificates[1].bytes);
    expect(brotli.cert).toBeLessThan(PLAIN);
    expect(abridged.cert).toBeLessThan(brotli.cert);
  });
});
