// The cert_compression dimension in config and plan: default none (cell ids as before), one cell
// per algorithm with the algorithm in its id, one-line refusals (unknown name, zstd without
// node:zlib zstd, the openssl engine), and the cert-compression preset's matrix.
import * as zlib from "node:zlib";
import { describe, expect, it } from "vitest";
import { resolveConfig } from "../src/run/config.js";
import { buildPlan } from "../src/run/plan.js";
import { loadPreset } from "../src/run/presets.js";
import { flags } from "./config-helpers.js";

const hasZstd = typeof (zlib as { zstdCompressSync?: unknown }).zstdCompressSync === "function";

describe("cert_compression dimension", () => {
  it("defaults to none and leaves cell ids as they were", () => {
    const c = resolveConfig([flags({ kex: "x25519" })]);
    expect(c.cert_compression).toEqual(["none"]);
    const [cell] = buildPlan(c).cells;
    expect(cell.cert_compression).toBe("none");
    expect(cell.id).not.toMatch(/cert_compression/);
  });

  it("adds one cell per algorithm, named in the cell id", () => {
    const c = resolveConfig([flags({ variants: "x25519:ed25519", cert_compression: "none,Brotli,zlib" })]);
    expect(c.cert_compression).toEqual(["none", "brotli", "zlib"]);
    const cells = buildPlan(c).cells;
    expect(cells.map((x) => x.cert_compression)).toEqual(["none", "brotli", "zlib"]);
    expect(cells[1].id).toBe(`${cells[0].id}/cert_compression=brotli`);
    expect(new Set(cells.map((x) => x.id)).size).toBe(3);
  });

  it("refuses unknown names, zstd without node:zlib zstd, and the openssl engine, naming key and source", () => {
    expect(() => resolveConfig([flags({ cert_compression: "lz4" })])).toThrow(
      /^flags: cert_compression: unknown value "lz4" \(known: none, zlib, brotli, zstd\)$/,
    );
    expect(() => resolveConfig([flags({ cert_compression: "none,none" })])).toThrow(/listed twice/);
    if (hasZstd)
      expect(resolveConfig([flags({ cert_compression: "zstd" })]).cert_compression).toEqual(["zstd"]);
    else
      expect(() => resolveConfig([flags({ cert_compression: "zstd" })])).toThrow(
        /^flags: cert_compression: zstd needs node:zlib zstd \(Node >= 22\.15\); this is Node /,
      );
    expect(() => resolveConfig([flags({ engine: "pqtls,openssl", cert_compression: "brotli" })])).toThrow(
      /^flags: cert_compression: needs engine pqtls only/,
    );
    // "none" alone is fine for openssl: nothing to configure.
    expect(resolveConfig([flags({ engine: "openssl", cert_compression: "none" })]).engine).toEqual([
      "openssl",
    ]);
  });

  it("the cert-compression preset compares classical and PQ, plain and brotli, on two links", () => {
    const plan = buildPlan(resolveConfig([loadPreset("cert-compression")]));
    expect(plan.groups.map((g) => [g.link.rate_mbps, g.link.rtt_ms])).toEqual([
      [1, 200],
      [1000, 35],
    ]);
    for (const g of plan.groups)
      expect(g.cells.map((x) => `${x.kex}:${x.chain}:${x.cert_compression}`).sort()).toEqual([
        "X25519MLKEM768:mldsa65:brotli",
        "X25519MLKEM768:mldsa65:none",
        "x25519:rsa2048:brotli",
        "x25519:rsa2048:none",
      ]);
  });
});
