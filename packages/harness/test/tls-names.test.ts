// TLS names are read in one place against @pqtls/tls13's tables: the config (kex, suite) and the
// serve/connect flags accept the same spellings and refuse with the same one-line message.
import { NamedGroup } from "@pqtls/tls13";
import { describe, expect, it } from "vitest";
import { parseGroups, parseSuites } from "../src/cli/tls-options.js";
import { UserError } from "../src/errors.js";
import { groupName, suiteName } from "../src/tls-names.js";
import { errorOf, flags } from "./config-helpers.js";

describe("TLS names", () => {
  it("are case-insensitive, suites without TLS_, and come out in IANA spelling", () => {
    expect(groupName("x25519mlkem768")).toBe("X25519MLKEM768");
    expect(suiteName("chacha20_poly1305_sha256")).toBe("TLS_CHACHA20_POLY1305_SHA256");
    expect(parseGroups("X25519,secp256R1")).toEqual(["x25519", "secp256r1"]);
    expect(parseSuites("aes_256_gcm_sha384")).toEqual(["TLS_AES_256_GCM_SHA384"]);
  });

  it("refuse an unknown name listing every name of the stack's own table, for config and flags alike", () => {
    expect(() => groupName("X25519Kyber768")).toThrow(UserError);
    const flag = (() => {
      try {
        parseGroups("x25519,X25519Kyber768");
      } catch (err) {
        return (err as Error).message;
      }
    })();
    expect(flag).toBe(`unknown group "X25519Kyber768" (known: ${Object.keys(NamedGroup).join(", ")})`);
    expect(errorOf([flags({ kex: "X25519Kyber768" })])).toBe(`flags: kex: ${flag}`);
  });
});
