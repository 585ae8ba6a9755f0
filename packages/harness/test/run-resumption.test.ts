// The runner's resumption and hooks dimensions: config values checked up front, cells planned per
// value with stable ids (full / no hooks keep the ids they had before these dimensions existed).
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { resolveConfig } from "../src/run/config.js";
import { buildPlan, cellId, planCells } from "../src/run/plan.js";
import { loadPreset } from "../src/run/presets.js";
import { errorOf, flags } from "./config-helpers.js";

const TRIM_HOOKS = join(
  dirname(fileURLToPath(import.meta.url)),
  "..",
  "..",
  "..",
  "examples",
  "chain-trimming.hooks.mjs",
);

describe("resumption dimension", () => {
  it("defaults to full and crosses the matrix with each listed mode", () => {
    expect(resolveConfig([flags({})]).resumption).toEqual(["full"]);
    const c = resolveConfig([flags({ resumption: "full,resumed,0rtt", kex: "x25519,X25519MLKEM768" })]);
    expect(c.resumption).toEqual(["full", "resumed", "0rtt"]);
    const cells = planCells(c);
    expect(cells).toHaveLength(6);
    expect(cells.map((x) => x.resume)).toEqual(["full", "resumed", "0rtt", "full", "resumed", "0rtt"]);
  });

  it("keeps the ids of full cells and names the mode in the others", () => {
    const [full, resumed] = planCells(resolveConfig([flags({ resumption: ["full", "resumed"] })]));
    const { id: _id, ...rest } = full;
    expect(cellId(rest)).not.toContain("resume");
    expect(resumed.id).toBe(`${full.id}/resume=resumed`);
  });

  it("refuses unknown modes and 0rtt with the openssl engine", () => {
    expect(errorOf([flags({ resumption: "half" })])).toMatch(
      /^flags: resumption: unknown value "half" \(known: full, resumed, 0rtt\)/,
    );
    expect(errorOf([flags({ engine: "openssl,pqtls", resumption: "0rtt" })])).toMatch(
      /0rtt needs engine pqtls/,
    );
    expect(resolveConfig([flags({ engine: "openssl", resumption: "resumed" })]).resumption).toEqual([
      "resumed",
    ]);
  });

  it("the resumption preset plans full, resumed and 0rtt for both variants", () => {
    const c = resolveConfig([loadPreset("resumption")], "resumption");
    expect(c.resumption).toEqual(["full", "resumed", "0rtt"]);
    expect(buildPlan(c).cells).toHaveLength(2 * 3 * 2 * 2);
  });
});

describe("hooks dimension", () => {
  it("takes none and existing modules (made absolute), refusing anything else", () => {
    const c = resolveConfig([flags({ hooks: ["none", TRIM_HOOKS] })]);
    expect(c.hooks[0]).toBe("none");
    expect(c.hooks[1]).toBe(TRIM_HOOKS);
    const cells = planCells(c);
    expect(cells.map((x) => x.hooks)).toEqual(c.hooks);
    expect(cells[1].id).toBe(`${cells[0].id}/hooks=${c.hooks[1]}`);
    expect(errorOf([flags({ hooks: "nowhere.mjs" })])).toMatch(/^flags: hooks: no such module /);
    expect(errorOf([flags({ hooks: "hooks.txt" })])).toMatch(/neither none nor a \.mjs\/\.js module/);
    expect(errorOf([flags({ engine: "openssl", hooks: c.hooks[1] })])).toMatch(/hooks need engine pqtls/);
  });
});
