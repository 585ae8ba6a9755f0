// The published JSON Schemas (packages/report/schema/) are the loader's: equal to what schema.ts
// builds from the registry, and what the loader validates with (through ajv), so a line the schema
// refuses is refused with its file:line.

import { readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { parseResults } from "../src/load.js";
import { metaSchema, rowSchema } from "../src/schema.js";
import { jsonl, meta, rowsFor } from "./synth.js";

const here = dirname(fileURLToPath(import.meta.url));
const published = (name: string) => JSON.parse(readFileSync(join(here, "..", "schema", name), "utf8"));

describe("published JSON Schemas", () => {
  it("are the schemas the loader uses (regenerate from schema.ts when a field changes)", () => {
    expect(published("row.schema.json")).toEqual(rowSchema());
    expect(published("meta.schema.json")).toEqual(metaSchema());
  });

  it("name every dimension field of the registry", () => {
    const props = Object.keys((rowSchema().properties as object) ?? {});
    for (const f of [
      "engine",
      "kex",
      "chain",
      "cert_compression",
      "client_auth",
      "resume",
      "hooks",
      "loss_model",
      "bytes",
    ])
      expect(props).toContain(f);
  });
});

describe("the loader validates with them", () => {
  const good = rowsFor({ kex: "x25519", chain: "rsa2048", handshake: [40, 41] });

  it("accepts well-formed lines", () => {
    expect(parseResults(jsonl(meta(), good), "x.jsonl").rows).toHaveLength(2);
  });

  it("refuses a nested counter that is not a number", () => {
    const bad = [{ ...good[0], tcp: { retrans: "many" } }, good[1]];
    expect(() => parseResults(jsonl(meta(), bad as never), "x.jsonl")).toThrow(
      /^x\.jsonl:2: field "tcp\.retrans" must be a finite number$/,
    );
  });

  it("refuses a meta line whose link backend is not one of netem, tun, none", () => {
    expect(() => parseResults(jsonl(meta({ link_backend: "wifi" as never }), good), "x.jsonl")).toThrow(
      /^x\.jsonl:1: meta field "link_backend" must be valid/,
    );
  });
});
