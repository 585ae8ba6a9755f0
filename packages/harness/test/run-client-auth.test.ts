// The client_auth dimension (mTLS) in config and plan: default none (cell ids as before), one cell
// per client chain with the chain in its id and its own server (the server's requestCert and client
// root are set at start), one-line refusals (a chain the test PKI lacks, resumed cells), both
// engines accepted, and the mtls preset's matrix.
import { serverKey } from "@pqtls/report/dimensions";
import { describe, expect, it } from "vitest";
import { resolveConfig } from "../src/run/config.js";
import { buildPlan } from "../src/run/plan.js";
import { loadPreset } from "../src/run/presets.js";
import { flags } from "./config-helpers.js";

describe("client_auth dimension", () => {
  it("defaults to none and leaves cell ids as they were", () => {
    const c = resolveConfig([flags({ kex: "x25519" })]);
    expect(c.client_auth).toEqual(["none"]);
    const [cell] = buildPlan(c).cells;
    expect(cell.client_auth).toBe("none");
    expect(cell.id).not.toMatch(/client_auth/);
  });

  it("adds one cell per client chain, named in the cell id, each with its own server", () => {
    const c = resolveConfig([
      flags({ variants: "x25519:ed25519", client_auth: "none,mldsa44,mldsa65@16KiB" }),
    ]);
    expect(c.client_auth).toEqual(["none", "mldsa44", "mldsa65@16KiB"]);
    const cells = buildPlan(c).cells;
    expect(cells.map((x) => x.client_auth)).toEqual(["none", "mldsa44", "mldsa65@16KiB"]);
    expect(cells[1].id).toBe(`${cells[0].id}/client_auth=mldsa44`);
    expect(new Set(cells.map((x) => serverKey(x))).size).toBe(3);
  });

  it("runs on both engines", () => {
    const c = resolveConfig([flags({ engine: "pqtls,openssl", client_auth: "none,mldsa44" })]);
    expect(buildPlan(c).cells.map((x) => `${x.engine}:${x.client_auth}`)).toEqual([
      "pqtls:none",
      "pqtls:mldsa44",
      "openssl:none",
      "openssl:mldsa44",
    ]);
  });

  it("refuses a chain the test PKI lacks and resumed cells, in one line naming key and source", () => {
    expect(() => resolveConfig([flags({ client_auth: "mldsa99" })])).toThrow(
      /^flags: client_auth: unknown chain "mldsa99" \(known: [^\n]*\)$/,
    );
    expect(() => resolveConfig([flags({ client_auth: "mldsa44", resumption: "full,resumed" })])).toThrow(
      /^flags: client_auth: mTLS cells are full handshakes only \(resumption resumed asked for\)[^\n]*$/,
    );
    // none with resumption is as before.
    expect(resolveConfig([flags({ client_auth: "none", resumption: "resumed" })]).resumption).toEqual([
      "resumed",
    ]);
  });

  it("the mtls preset: none vs ML-DSA-44/65 client chains, classical and PQ servers, 0 and 100 KiB, on two links", () => {
    const plan = buildPlan(resolveConfig([loadPreset("mtls")]));
    expect(plan.groups.map((g) => [g.link.rate_mbps, g.link.rtt_ms])).toEqual([
      [1, 200],
      [1000, 35],
    ]);
    for (const g of plan.groups)
      expect(g.cells.map((x) => `${x.chain}:${x.client_auth}:${x.bytes}`).sort()).toEqual([
        "mldsa65:mldsa44:0",
        "mldsa65:mldsa44:102400",
        "mldsa65:mldsa65:0",
        "mldsa65:mldsa65:102400",
        "mldsa65:none:0",
        "mldsa65:none:102400",
        "rsa2048:mldsa44:0",
        "rsa2048:mldsa44:102400",
        "rsa2048:mldsa65:0",
        "rsa2048:mldsa65:102400",
        "rsa2048:none:0",
        "rsa2048:none:102400",
      ]);
  });
});
