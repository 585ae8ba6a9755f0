// nameOf answers from a cached reverse map per table; these tests hold it to what a linear scan of
// the table says, for every code of every table and for codes no table has.
import { describe, expect, it } from "vitest";
import * as codepoints from "../src/wire/codepoints.js";
import { AlertDescription, alertName, CipherSuite, NamedGroup, nameOf } from "../src/wire/codepoints.js";

const tables = Object.entries(codepoints).filter(
  (e): e is [string, Record<string, number>] =>
    typeof e[1] === "object" && e[1] !== null && Object.values(e[1]).every((v) => typeof v === "number"),
);

function scan(table: Record<string, number>, code: number): string | undefined {
  return Object.keys(table).find((name) => table[name] === code);
}

describe("nameOf", () => {
  it("gives the same name as a scan of the table, for every code and for unknown ones, call after call", () => {
    expect(tables.length).toBeGreaterThan(5);
    for (const [tableName, table] of tables) {
      const codes = [...Object.values(table), -1, 0xfffe, 0x7fff_ffff];
      for (let round = 0; round < 2; round++)
        for (const code of codes) expect(nameOf(table, code), `${tableName} ${code}`).toBe(scan(table, code));
    }
    expect(nameOf(NamedGroup, 0x11ec)).toBe("X25519MLKEM768");
    expect(nameOf(CipherSuite, 0x1301)).toBe("TLS_AES_128_GCM_SHA256");
    expect(nameOf(NamedGroup, 0x1301)).toBeUndefined();
  });

  it("keeps the first name when a table repeats a code, and keeps tables apart", () => {
    const a = { first: 1, second: 1, other: 2 };
    const b = { elsewhere: 1 };
    expect(nameOf(a, 1)).toBe("first");
    expect(nameOf(b, 1)).toBe("elsewhere");
    expect(nameOf(a, 2)).toBe("other");
  });

  it("alertName names known alerts and numbers unknown ones", () => {
    expect(alertName(AlertDescription.decrypt_error)).toBe("decrypt_error");
    expect(alertName(0)).toBe("close_notify");
    expect(alertName(254)).toBe("alert_254");
  });
});
