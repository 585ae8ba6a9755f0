// The client's trust anchors are parsed once per distinct `ca` input and reused across connects;
// a changed input must never be served a stale parse.

import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { nobleProvider } from "../src/crypto/index.js";
import { resolveClientConfig } from "../src/handshake/config.js";
import { pemDecode } from "../src/x509/index.js";
import { pkiFile } from "./x509-helpers.js";

const mldsaRoot = readFileSync(pkiFile("mldsa65-leaf", "root.pem"), "utf8");
const edRoot = readFileSync(pkiFile("ed25519-leaf", "root.pem"), "utf8");
const anchors = (ca: Parameters<typeof resolveClientConfig>[0]["ca"]) =>
  resolveClientConfig({ ca, servername: "localhost" }, nobleProvider).trustAnchors;

describe("trust anchor reuse", () => {
  it("the same PEM text gives the same parsed certificates; other text its own", () => {
    const first = anchors(mldsaRoot);
    expect(first).toHaveLength(1);
    expect(anchors(mldsaRoot)[0]).toBe(first[0]);
    expect(anchors(`${mldsaRoot}`)[0]).toBe(first[0]); // keyed by value, not by string identity
    const both = anchors([mldsaRoot, edRoot]);
    expect(both[0]).toBe(first[0]);
    expect(both[1].subject).toBe("O=pqtls test PKI, CN=pqtls ed25519 root");
  });

  it("DER bytes are reused while unchanged and re-parsed once refilled", () => {
    const mldsaDer = pemDecode(mldsaRoot)[0].der;
    const ca = mldsaDer.slice();
    const first = anchors(ca);
    expect(anchors(ca)[0]).toBe(first[0]);
    // Same object, new contents: the caller refilled its buffer (here: a flipped signature bit).
    ca[ca.length - 1] ^= 1;
    expect(anchors(ca)[0]).not.toBe(first[0]);
    expect(Buffer.from(anchors(ca)[0].der)).toEqual(Buffer.from(ca));
  });
});
