// The chain_reduction and client_knowledge dimensions (issue 20) in config and plan: default none
// (cell ids as before), one cell per value with the value in its id, one server per mechanism but
// one for every client knowledge, one-line refusals (unknown value, the openssl engine, a cell
// that would compress the certificate twice), and the chain-reduction preset's matrix.

import { describeField, dimension } from "@pqtls/report/dimensions";
import { describe, expect, it } from "vitest";
import { resolveConfig } from "../src/run/config.js";
import { buildPlan } from "../src/run/plan.js";
import { loadPreset } from "../src/run/presets.js";
import { serverKey } from "../src/run/runner.js";
import { errorOf, flags } from "./config-helpers.js";

describe("chain_reduction and client_knowledge dimensions", () => {
  it("default to none, which leaves cell ids as they were", () => {
    const c = resolveConfig([flags({ variants: "x25519:ed25519" })]);
    expect(c.chain_reduction).toEqual(["none"]);
    expect(c.client_knowledge).toEqual(["none"]);
    const [cell] = buildPlan(c).cells;
    expect([cell.chain_reduction, cell.client_knowledge]).toEqual(["none", "none"]);
    expect(cell.id).not.toMatch(/chain_reduction|client_knowledge/);
  });

  it("plan one cell per pair, named in the id; servers differ by mechanism only", () => {
    const c = resolveConfig([
      flags({
        variants: "X25519MLKEM768:mldsa65",
        chain_reduction: "none,suppress-ca,trust-anchor-ids",
        client_knowledge: "none,cached,preloaded",
      }),
    ]);
    expect(c.chain_reduction).toEqual(["none", "suppress-ca", "trust-anchor-ids"]);
    expect(c.client_knowledge).toEqual(["none", "cached", "preloaded"]);
    const cells = buildPlan(c).cells;
    // none is not crossed with client knowledge (it reads none): 1 + 2 mechanisms x 3 knowledges.
    expect(cells).toHaveLength(7);
    const plain = cells.find((x) => x.chain_reduction === "none" && x.client_knowledge === "none")!;
    const both = cells.find((x) => x.chain_reduction === "suppress-ca" && x.client_knowledge === "cached")!;
    expect(both.id).toBe(`${plain.id}/chain_reduction=suppress-ca/client_knowledge=cached`);
    expect(new Set(cells.map((x) => x.id)).size).toBe(7);
    // The server is the same whatever the client holds; each mechanism needs its own.
    expect(new Set(cells.map(serverKey)).size).toBe(3);
    const suppress = cells.filter((x) => x.chain_reduction === "suppress-ca");
    expect(new Set(suppress.map(serverKey)).size).toBe(1);
  });

  it("refuse unknown values, the openssl engine, and compressing the certificate twice in one line", () => {
    expect(errorOf([flags({ chain_reduction: "merkle" })])).toMatch(
      /^flags: chain_reduction: unknown value "merkle" \(known: none, suppress-ca, trust-anchor-ids, abridged, zlib, brotli, zstd, mtc-model, authkem-model\)$/,
    );
    expect(errorOf([flags({ client_knowledge: "all" })])).toMatch(
      /^flags: client_knowledge: unknown value "all"/,
    );
    expect(errorOf([flags({ engine: "pqtls,openssl", chain_reduction: "none,suppress-ca" })])).toMatch(
      /^flags: chain_reduction: needs engine pqtls only/,
    );
    expect(errorOf([flags({ engine: "openssl", client_knowledge: "preloaded" })])).toMatch(
      /^flags: client_knowledge: needs engine pqtls only/,
    );
    // "none" alone is fine for openssl: nothing to configure.
    expect(resolveConfig([flags({ engine: "openssl", chain_reduction: "none" })]).engine).toEqual([
      "openssl",
    ]);
    for (const r of ["abridged", "zlib", "brotli"]) {
      const msg = errorOf([flags({ chain_reduction: `none,${r}`, cert_compression: "brotli" })]);
      expect(msg).toMatch(
        new RegExp(
          `^flags: chain_reduction: ${r} compresses the certificate, and so does cert_compression brotli`,
        ),
      );
      expect(msg).not.toMatch(/\n/);
    }
    // Suppression and compression do not overlap: one cell may use both.
    const c = resolveConfig([
      flags({ chain_reduction: "suppress-ca,trust-anchor-ids", cert_compression: "brotli" }),
    ]);
    expect(buildPlan(c).cells).toHaveLength(2);
  });

  it("plan the size models as values labelled model, each with its own server, refused where they cannot apply", () => {
    const c = resolveConfig([
      flags({ variants: "X25519MLKEM768:mldsa65", chain_reduction: "none,mtc-model,authkem-model" }),
    ]);
    const cells = buildPlan(c).cells;
    expect(cells.map((x) => x.chain_reduction)).toEqual(["none", "mtc-model", "authkem-model"]);
    expect(cells[1].id).toBe(`${cells[0].id}/chain_reduction=mtc-model`);
    // Each model is its own server (its own chain).
    expect(new Set(cells.map(serverKey)).size).toBe(3);
    // The dimension's description and the row field's words say "model" and what is not modelled.
    expect(dimension("chain_reduction")?.help).toMatch(
      /size models, labelled model: mtc-model .*authkem-model .*flow changes not modelled/,
    );
    expect(describeField("chain_reduction", "mtc-model")).toBe(
      "chain reduction mtc-model (size model; flow changes not modelled)",
    );
    expect(describeField("chain_reduction", "suppress-ca")).toBe("chain reduction suppress-ca");
    expect(errorOf([flags({ engine: "openssl", chain_reduction: "mtc-model" })])).toMatch(
      /^flags: chain_reduction: needs engine pqtls only/,
    );
    expect(
      errorOf([flags({ variants: "x25519:rsa2048@16KiB", chain_reduction: "none,authkem-model" })]),
    ).toBe(
      "flags: chain_reduction: authkem-model is a size model that replaces the chain, and chain rsa2048@16KiB is padded: measure models on unpadded chains",
    );
  });

  it("the chain-reduction preset crosses five mechanisms with three client knowledges on two links", () => {
    const config = resolveConfig([loadPreset("chain-reduction")], "chain-reduction");
    expect(config.chain_reduction).toEqual(["none", "suppress-ca", "trust-anchor-ids", "abridged", "brotli"]);
    expect(config.client_knowledge).toEqual(["none", "cached", "preloaded"]);
    const plan = buildPlan(config);
    expect(plan.groups.map((g) => [g.link.rate_mbps, g.link.rtt_ms, g.link.initcwnd])).toEqual([
      [1, 200, 10],
      [1, 200, 20],
    ]);
    // 2 variants x (suppress-ca and trust-anchor-ids x 3 knowledges + none, abridged, brotli once) x 4 sizes per link.
    for (const g of plan.groups) expect(g.cells).toHaveLength(2 * (2 * 3 + 3) * 4);
    // No cell of a mechanism that ignores client knowledge pays for a warm-up connection.
    const cached = plan.cells.filter((x) => x.client_knowledge === "cached");
    expect(new Set(cached.map((x) => x.chain_reduction))).toEqual(
      new Set(["suppress-ca", "trust-anchor-ids"]),
    );
  });

  it("client_knowledge applies only with the mechanisms that read it (the registry's appliesWhen rule)", () => {
    expect(dimension("client_knowledge")?.appliesWhen).toEqual({
      key: "chain_reduction",
      values: ["suppress-ca", "trust-anchor-ids"],
    });
    const c = resolveConfig([
      flags({
        variants: "X25519MLKEM768:mldsa65",
        chain_reduction: "none,suppress-ca,trust-anchor-ids,abridged,zlib,brotli,mtc-model",
        client_knowledge: "cached,preloaded",
      }),
    ]);
    const cells = buildPlan(c).cells;
    const pairs = cells.map((x) => `${x.chain_reduction}/${x.client_knowledge}`);
    // Mechanisms that do not read it get one cell each, at none, whatever knowledge values were asked for.
    expect(pairs).toEqual([
      "none/none",
      "suppress-ca/cached",
      "suppress-ca/preloaded",
      "trust-anchor-ids/cached",
      "trust-anchor-ids/preloaded",
      "abridged/none",
      "zlib/none",
      "brotli/none",
      "mtc-model/none",
    ]);
    // Their ids are the ones a run with client_knowledge none gives, so results pair and resume.
    const alone = buildPlan(
      resolveConfig([flags({ variants: "X25519MLKEM768:mldsa65", chain_reduction: "none,zlib" })]),
    ).cells.map((x) => x.id);
    expect(alone.every((id) => cells.some((x) => x.id === id))).toBe(true);
  });
});
