// Trust anchors: a presented certificate ends the path only when it is byte for byte an anchor,
// and a pinned (self-signed, configured as its own anchor) leaf still has its dates checked.

import { describe, expect, it } from "vitest";
import { nobleProvider } from "../src/crypto/index.js";
import { AlertDescription } from "../src/wire/codepoints.js";
import { type Certificate, generateKeyPair, issueCertificate, verifyChain } from "../src/x509/index.js";
import { pair } from "./handshake-helpers.js";
import { expectAlert, flipByte } from "./x509-helpers.js";

const provider = nobleProvider;
const NOW = new Date("2026-06-01T00:00:00Z");

function pinned(name: string, validity: [Date, Date] = [new Date("2025-01-01Z"), new Date("2030-01-01Z")]) {
  const key = generateKeyPair("ed25519", { seed: `pinned ${name}` });
  const cert = issueCertificate({
    subject: [["CN", name]],
    publicKey: key.publicKey,
    signingKey: key,
    provider,
    notBefore: validity[0],
    notAfter: validity[1],
    dnsNames: [name],
  });
  return { key, cert };
}

const verify = (chain: Certificate[], anchors: Certificate[], hostname: string, now = NOW) =>
  verifyChain(chain, { trustAnchors: anchors, provider, now, hostname });

describe("pinned self-signed certificates", () => {
  const a = pinned("a.example");
  const b = pinned("b.example");

  it("each verifies for its own name", () => {
    expect(verify([a.cert], [a.cert, b.cert], "a.example")).toEqual([a.cert]);
    expect(verify([b.cert], [a.cert, b.cert], "b.example")).toEqual([b.cert]);
  });

  it("a look-alike of A (A's name and key, SAN b.example, 2001 expiry, forged signature) is refused", () => {
    const lookAlike = issueCertificate({
      subject: [["CN", "a.example"]],
      publicKey: a.key.publicKey,
      signingKey: a.key,
      provider,
      notBefore: new Date("2000-01-01Z"),
      notAfter: new Date("2001-01-01Z"),
      dnsNames: ["b.example"],
    });
    const forged = { ...lookAlike, signature: flipByte(lookAlike.signature, -1) };
    for (const cert of [lookAlike, forged])
      expectAlert(
        () => verify([cert], [a.cert, b.cert], "b.example", new Date("2000-06-01Z")),
        AlertDescription.unknown_ca,
        /self-issued root that is not a trust anchor/,
      );
  });

  it("an expired pinned certificate is refused: certificate has expired", () => {
    const old = pinned("old.example", [new Date("2020-01-01Z"), new Date("2021-01-01Z")]);
    expectAlert(
      () => verify([old.cert], [old.cert], "old.example"),
      AlertDescription.certificate_expired,
      /certificate has expired/,
    );
    const early = pinned("early.example", [new Date("2027-01-01Z"), new Date("2028-01-01Z")]);
    expectAlert(
      () => verify([early.cert], [early.cert], "early.example"),
      AlertDescription.certificate_expired,
      /certificate is not yet valid/,
    );
  });

  it("over TLS: the look-alike server gets authorized: false, and the expired pinned one too", async () => {
    // The issue's reproduction: a server holding A's key presents A's name with SAN b.example, a
    // corrupted signature and a 2001 expiry to a client that pins A and B and connects to b.example.
    const lookAlike = issueCertificate({
      subject: [["CN", "a.example"]],
      publicKey: a.key.publicKey,
      signingKey: a.key,
      provider,
      notBefore: new Date("2000-01-01Z"),
      notAfter: new Date("2001-01-01Z"),
      dnsNames: ["b.example"],
    });
    const forgedDer = flipByte(lookAlike.der, -1);
    const client = { ca: [a.cert, b.cert], servername: "b.example", provider, rejectUnauthorized: false };
    const { c } = await pair(client, { cert: forgedDer, key: a.key, provider });
    expect(c.authorized).toBe(false);
    expect(c.authorizationError).toMatch(/unknown_ca/);
    c.destroy();

    const old = pinned("old.example", [new Date("2020-01-01Z"), new Date("2021-01-01Z")]);
    const expired = await pair(
      { ca: old.cert, servername: "old.example", provider, rejectUnauthorized: false },
      { cert: old.cert, key: old.key, provider },
    );
    expect(expired.c.authorized).toBe(false);
    expect(expired.c.authorizationError).toMatch(/certificate_expired: certificate has expired/);
    expired.c.destroy();
  });
});
