// Raw rows as Parquet: the rows CSV's columns, typed, read back with hyparquet (the reader a
// notebook would not use, but one that checks the file is Parquet and the values survive).

import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parquetMetadata, parquetReadObjects } from "hyparquet";
import { afterAll, describe, expect, it } from "vitest";
import { writeReport } from "../src/report.js";
import type { Row } from "../src/row.js";
import { flattenRows } from "../src/rows-csv.js";
import { renderRowsParquet } from "../src/rows-parquet.js";
import { jsonl, meta, rowsFor } from "./synth.js";

const dir = mkdtempSync(join(tmpdir(), "pqtls-rows-parquet-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function rows(): Row[] {
  const [ok] = rowsFor({ kex: "x25519", chain: "rsa2048", bytes: 1024, handshake: [50.25] });
  const [, failed] = rowsFor({ kex: "x25519", chain: "rsa2048", bytes: 1024, handshake: [50], failures: 1 });
  return [
    { ...ok, tcp: { "client.retrans": 2 }, link: { "up.delivered": 10 } },
    { ...failed, cell: "brotli-cell", error: "timeout", cert_compression: "brotli" },
  ];
}

async function read(bytes: Uint8Array): Promise<Record<string, unknown>[]> {
  const file = bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer;
  return (await parquetReadObjects({ file })) as Record<string, unknown>[];
}

describe("raw rows as Parquet", () => {
  it("holds the rows CSV's columns, numbers as numbers, nulls as nulls", async () => {
    const bytes = renderRowsParquet(rows());
    expect(new TextDecoder().decode(bytes.slice(0, 4))).toBe("PAR1");
    const file = bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer;
    const names = parquetMetadata(file)
      .schema.slice(1)
      .map((s) => s.name);
    expect(names).toEqual(flattenRows(rows()).columns);
    const [ok, failed] = await read(bytes);
    expect(ok.handshake_ms).toBe(50.25);
    expect(ok.ok).toBe(true);
    expect(ok.error).toBeNull();
    expect(ok["tcp.client.retrans"]).toBe(2);
    expect(ok["link.up.delivered"]).toBe(10);
    expect(failed.ok).toBe(false);
    expect(failed.handshake_ms).toBeNull();
    expect(failed.error).toBe("timeout");
    expect(failed.cert_compression).toBe("brotli");
    expect(failed["tcp.client.retrans"]).toBeNull();
  });

  it("is what writeReport writes for a .parquet output, and refuses stdout", async () => {
    const input = join(dir, "run.jsonl");
    writeFileSync(input, jsonl(meta(), rows()));
    const r = await writeReport([input], { out: join(dir, "rows.parquet") });
    expect(r.format).toBe("parquet");
    expect(r.files).toEqual([join(dir, "rows.parquet")]);
    const back = await read(new Uint8Array(readFileSync(join(dir, "rows.parquet"))));
    expect(back.map((x) => x.cell)).toEqual(rows().map((x) => x.cell));
    await expect(writeReport([input], { out: "-", format: "parquet" })).rejects.toThrow(/binary/);
  });
});
