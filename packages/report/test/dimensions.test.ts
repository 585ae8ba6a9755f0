// The registry of dimensions: every row field belongs to exactly one dimension, and what is derived
// from it (cell ids, server keys, plan lines, row fields, the condition, load validation) keeps the
// results format: ids of full/none cells as they were before the later dimensions existed, rows
// leaving out what is off, and the condition fields in the order reports sort by.
import { describe, expect, it } from "vitest";
import { parseResults, ReportInputError } from "../src/load.js";
import {
  activeValue,
  type CellParams,
  CONDITION_FIELDS,
  cellId,
  DIMENSIONS,
  type Dimension,
  describeCell,
  FIELDS,
  LINK_FIELDS,
  rowFields,
  serverKey,
} from "../src/registry.js";
import { jsonl, meta, rowsFor } from "./synth.js";

const cell: CellParams = {
  engine: "pqtls",
  kex: "X25519MLKEM768",
  chain: "mldsa65",
  suite: "TLS_AES_128_GCM_SHA256",
  resume: "full",
  hooks: "none",
  cert_compression: "none",
  chain_reduction: "none",
  client_knowledge: "none",
  rtt_ms: 200,
  jitter_ms: 0,
  jitter_dist: "uniform",
  rate_mbps: 1,
  loss_pct: 0,
  queue_limit: 1000,
  initcwnd: 20,
  mtu: 1500,
  cc: "cubic",
  bytes: 51200,
};

describe("registry", () => {
  it("fills every row field from exactly one dimension, with unique keys", () => {
    const filled = DIMENSIONS.flatMap((d) => d.fields);
    expect([...filled].sort()).toEqual(Object.keys(FIELDS).sort());
    expect(new Set(DIMENSIONS.map((d) => d.key)).size).toBe(DIMENSIONS.length);
  });

  it("has appliesWhen rules that name another dimension's real values, on dimensions with a none", () => {
    const rules = (DIMENSIONS as readonly Dimension[]).filter((d) => d.appliesWhen);
    expect(rules.map((d) => d.key)).toEqual(["client_knowledge"]);
    for (const d of rules) {
      const on = (DIMENSIONS as readonly Dimension[]).find((x) => x.key === d.appliesWhen!.key);
      expect(on, d.key).toBeDefined();
      expect(on!.key).not.toBe(d.key);
      expect(d.none, d.key).toBeDefined();
      if (on!.value.kind === "enum")
        for (const v of d.appliesWhen!.values) expect(on!.value.values, `${d.key}: ${v}`).toContain(v);
    }
  });

  it("names a cell as ids always did; dimensions at none stay out of id and plan line", () => {
    expect(cellId(cell)).toBe(
      "pqtls/X25519MLKEM768/mldsa65/TLS_AES_128_GCM_SHA256/rtt=200ms,jitter=0ms/uniform,rate=1mbit,loss=0%,queue=1000,mtu=1500,initcwnd=20,cc=cubic/bytes=51200",
    );
    expect(describeCell(cell)).toBe("pqtls X25519MLKEM768 mldsa65 TLS_AES_128_GCM_SHA256 bytes=51200");
    const on = { ...cell, resume: "0rtt", hooks: "/h.mjs", cert_compression: "brotli" } as const;
    expect(cellId(on)).toBe(`${cellId(cell)}/resume=0rtt/hooks=/h.mjs/cert_compression=brotli`);
    expect(describeCell(on)).toBe(`${describeCell(cell)} resume=0rtt hooks=/h.mjs cert_compression=brotli`);
    const ge = { ...cell, loss_pct: 9.090909, loss_model: "gemodel 1% 10% 100% 0%" };
    expect(cellId(ge)).toContain(",loss=gemodel 1% 10% 100% 0%,");
  });

  it("keys servers by engine, variant, suite, hooks and compression, not by link, size or resumption", () => {
    expect(serverKey({ ...cell, rtt_ms: 35, bytes: 0, resume: "resumed" })).toBe(serverKey(cell));
    for (const other of [
      { engine: "openssl" },
      { kex: "x25519" },
      { chain: "rsa2048" },
      { suite: "TLS_AES_256_GCM_SHA384" },
      { hooks: "/h.mjs" },
      { cert_compression: "zlib" },
    ] as const)
      expect(serverKey({ ...cell, ...other }), JSON.stringify(other)).not.toBe(serverKey(cell));
  });

  it("writes row fields in row order, leaving out hooks and compression when off but never resume", () => {
    const fields = rowFields(cell);
    expect(Object.keys(fields)).toEqual([
      "engine",
      "kex",
      "chain",
      "suite",
      "resume",
      "rtt_ms",
      "jitter_ms",
      "jitter_dist",
      "rate_mbps",
      "loss_pct",
      "queue_limit",
      "initcwnd",
      "mtu",
      "cc",
      "bytes",
    ]);
    expect(rowFields({ ...cell, hooks: "/h.mjs", loss_model: "gemodel 1% 10% 100% 0%" })).toMatchObject({
      hooks: "/h.mjs",
      loss_model: "gemodel 1% 10% 100% 0%",
    });
    expect(activeValue(cell, "resume")).toBeUndefined();
    expect(activeValue({ ...cell, resume: "resumed" }, "resume")).toBe("resumed");
  });

  it("derives the condition and link fields in the order reports sort and tabulate by", () => {
    expect(CONDITION_FIELDS).toEqual([
      "engine",
      "suite",
      "resume",
      "hooks",
      "cert_compression",
      "client_auth",
      "chain_reduction",
      "client_knowledge",
      ...LINK_FIELDS,
    ]);
    expect(LINK_FIELDS).toEqual([
      "rtt_ms",
      "jitter_ms",
      "jitter_dist",
      "rate_mbps",
      "loss_pct",
      "loss_model",
      "queue_limit",
      "initcwnd",
      "mtu",
      "cc",
    ]);
  });

  it("validates loaded rows from the field types: a required field missing or of the wrong type is named", () => {
    const rows = rowsFor({ kex: "x25519", chain: "rsa2048", handshake: [10] });
    const bad = (edit: (r: Record<string, unknown>) => void) => {
      const r = { ...rows[0] } as Record<string, unknown>;
      edit(r);
      try {
        parseResults(jsonl(meta(), [r as never]), "x.jsonl");
      } catch (err) {
        expect(err).toBeInstanceOf(ReportInputError);
        return (err as Error).message;
      }
      return "accepted";
    };
    expect(bad((r) => delete r.cc)).toBe('x.jsonl:2: missing field "cc"');
    expect(bad((r) => (r.rtt_ms = "35ms"))).toBe('x.jsonl:2: field "rtt_ms" must be a finite number');
    expect(bad((r) => (r.engine = 1))).toBe('x.jsonl:2: field "engine" must be a string');
    // Optional fields (absent in older rows) are not required.
    expect(bad((r) => delete r.queue_limit)).toBe("accepted");
  });
});
