// The independent interop peer every interop test relies on: Node 24 with OpenSSL 3.5, which
// speaks X25519MLKEM768 and ML-DSA. If this fails, the interop results mean nothing.
import { execFileSync } from "node:child_process";
import { describe, expect, it } from "vitest";
import { node24Missing, node24Path } from "../tools/node24/index.mjs";

const missing = node24Missing();
if (missing) console.warn(`skipping Node 24 peer checks: ${missing}`);

describe.skipIf(missing !== null)("Node 24 interop peer", () => {
  const run = (code: string) => execFileSync(node24Path()!, ["-e", code], { encoding: "utf8" }).trim();

  it("is Node 24 with OpenSSL 3.5", () => {
    expect(run("console.log(process.versions.node)")).toMatch(/^24\./);
    expect(run("console.log(process.versions.openssl)")).toMatch(/^3\.5\./);
  });

  it("has ML-KEM encapsulation and ML-DSA keys", () => {
    const out = run(`
      const c = require("node:crypto");
      const kem = c.generateKeyPairSync("ml-kem-768");
      const { sharedKey, ciphertext } = c.encapsulate(kem.publicKey);
      const back = c.decapsulate(kem.privateKey, ciphertext);
      const dsa = c.generateKeyPairSync("ml-dsa-65");
      const sig = c.sign(null, Buffer.from("x"), dsa.privateKey);
      console.log(JSON.stringify({ ct: ciphertext.length, same: sharedKey.equals(back), sig: sig.length }));
    `);
    expect(JSON.parse(out)).toEqual({ ct: 1088, same: true, sig: 3309 });
  });
});
