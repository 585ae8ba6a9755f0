// The client's name check when the caller names no host: as node:tls, "localhost" is checked, and
// skipping the check takes an explicit checkServerIdentity.

import { afterEach, describe, expect, it } from "vitest";
import { nobleProvider } from "../src/crypto/index.js";
import { connect, createServer, type TlsAlert, type TlsSocket } from "../src/index.js";
import { generateChain } from "../src/x509/index.js";
import { failing, pair } from "./handshake-helpers.js";
import { once } from "./helpers.js";

const provider = nobleProvider;
// A chain to the same root for a name that is not localhost, and one that is.
const other = generateChain({ sig: "ed25519", depth: 2, hostnames: ["other.test"], seed: "name check" });
const server = { cert: other.chain, key: other.leafKey, provider };

describe("connect({ socket, ca }) with no host or servername", () => {
  it("checks the leaf against localhost and refuses other.test's certificate", async () => {
    const { client } = await failing({ ca: other.root, provider }, server);
    expect(client.message).toMatch(/bad_certificate: .*not valid for localhost/);
  });

  it("accepts a leaf for localhost", async () => {
    const local = generateChain({ sig: "ed25519", depth: 2, hostnames: ["localhost"], seed: "name check 2" });
    const { c } = await pair(
      { ca: local.root, provider },
      { cert: local.chain, key: local.leafKey, provider },
    );
    expect(c.authorized).toBe(true);
    c.destroy();
  });

  it("without rejectUnauthorized reports the name mismatch as authorized: false", async () => {
    const { c } = await pair({ ca: other.root, provider, rejectUnauthorized: false }, server);
    expect(c.authorized).toBe(false);
    expect(c.authorizationError).toMatch(/not valid for localhost/);
    c.destroy();
  });

  it("checkServerIdentity: () => undefined opts out of the name check only", async () => {
    const { c } = await pair({ ca: other.root, provider, checkServerIdentity: () => undefined }, server);
    expect(c.authorized).toBe(true);
    c.destroy();
    // The chain itself is still verified.
    const stranger = generateChain({ sig: "ed25519", depth: 2, hostnames: ["other.test"], seed: "stranger" });
    const { client } = await failing(
      { ca: stranger.root, provider, checkServerIdentity: () => undefined },
      server,
    );
    expect(client.message).toMatch(/unknown_ca/);
  });

  it("checkServerIdentity gets the checked name and the leaf, and its Error refuses", async () => {
    const seen: string[] = [];
    const { client } = await failing(
      {
        ca: other.root,
        provider,
        servername: "other.test",
        checkServerIdentity: (name, cert) => {
          seen.push(`${name} ${cert.dnsNames.join(",")}`);
          return new Error("pinned key mismatch");
        },
      },
      server,
    );
    expect(seen).toEqual(["other.test other.test"]);
    expect(client.message).toMatch(/bad_certificate: checkServerIdentity: pinned key mismatch/);
  });
});

describe("connect({ port, ca }) with no host", () => {
  let listening: { close(): void } | undefined;
  afterEach(() => listening?.close());

  it("connects to localhost and checks the leaf against localhost", async () => {
    const srv = createServer(server);
    listening = srv;
    await new Promise<void>((resolve) => srv.listen(0, resolve));
    const { port } = srv.address() as { port: number };
    const c: TlsSocket = connect({ port, ca: other.root, provider });
    const err = await once<TlsAlert>(c, "error");
    expect(err.message).toMatch(/not valid for localhost/);
  });
});
