// The raw rows as CSV: a line per connection, a column per field, nested tcp/link counters flattened
// with dots, null and absent values empty, commas and quotes in error texts quoted.

import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { writeReport } from "../src/report.js";
import type { Row } from "../src/row.js";
import { ROW_COLUMNS, renderRowsCsv } from "../src/rows-csv.js";
import { jsonl, meta, rowsFor } from "./synth.js";

const dir = mkdtempSync(join(tmpdir(), "pqtls-rows-csv-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function rows(): Row[] {
  const [ok] = rowsFor({ kex: "x25519", chain: "rsa2048", bytes: 1024, handshake: [50] });
  const [, failed] = rowsFor({ kex: "x25519", chain: "rsa2048", bytes: 1024, handshake: [50], failures: 1 });
  return [
    { ...ok, tcp: { "client.retrans": 2 }, link: { "up.delivered": 10, "up.dropped_loss": 1 } },
    {
      ...failed,
      cell: "brotli-cell",
      error: 'alert "bad_certificate", then reset',
      cert_compression: "brotli",
    },
  ];
}

describe("raw rows as CSV", () => {
  it("has a column per field, nested counters flattened, empties for null and absent", () => {
    const lines = renderRowsCsv(rows()).trimEnd().split("\n");
    expect(lines).toHaveLength(3);
    const header = lines[0].split(",");
    expect(header.slice(0, ROW_COLUMNS.length)).toEqual([...ROW_COLUMNS]);
    expect(header.slice(ROW_COLUMNS.length)).toEqual([
      "tcp.client.retrans",
      "link.up.delivered",
      "link.up.dropped_loss",
    ]);
    const col = (name: string) => header.indexOf(name);
    const first = lines[1].split(",");
    expect(first[col("kex")]).toBe("x25519");
    expect(first[col("ok")]).toBe("true");
    expect(first[col("handshake_ms")]).toBe("50");
    expect(first[col("ttlb_ms")]).toBe("52");
    expect(first[col("cert_compression")]).toBe("");
    expect(first[col("link.up.delivered")]).toBe("10");
    // The error text has a comma and quotes: one quoted cell.
    expect(lines[2]).toContain('"alert ""bad_certificate"", then reset"');
    expect(lines[2]).toContain(",brotli,");
  });

  it("is what writeReport writes for a .csv output (pqtls report --format csv, alias rows)", async () => {
    const input = join(dir, "r.jsonl");
    writeFileSync(input, jsonl(meta(), rows()));
    for (const format of [undefined, "csv", "rows"] as const) {
      const out = join(dir, `rows-${format}.csv`);
      const r = await writeReport([input], { out, format });
      expect(r.format).toBe("csv");
      expect(r.files).toEqual([out]);
      expect(readFileSync(out, "utf8")).toBe(renderRowsCsv(rows()));
    }
  });
});
