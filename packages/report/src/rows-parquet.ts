// Raw rows as Parquet for pandas, R (arrow) and DuckDB: the same flattened columns as the rows CSV
// (rows-csv.ts), each column typed from its values: all numbers → DOUBLE, all booleans → BOOLEAN,
// else STRING (numbers and booleans in a mixed column written as text); null and absent values are
// Parquet nulls. Writing is hyparquet-writer's (pure JavaScript, no native build).

import { parquetWriteBuffer } from "hyparquet-writer";
import type { Row } from "./row.js";
import { flattenRows } from "./rows-csv.js";

type Value = string | number | boolean | null;

function columnType(values: readonly Value[]): "DOUBLE" | "BOOLEAN" | "STRING" {
  const present = values.filter((v) => v !== null);
  if (present.length > 0 && present.every((v) => typeof v === "number")) return "DOUBLE";
  if (present.length > 0 && present.every((v) => typeof v === "boolean")) return "BOOLEAN";
  return "STRING";
}

/** The rows as a Parquet file (its bytes), a row per connection, a column per field. */
export function renderRowsParquet(rows: readonly Row[]): Uint8Array {
  const { columns, records } = flattenRows(rows);
  const columnData = columns.map((name) => {
    const values = records.map((r) => r[name] ?? null);
    const type = columnType(values);
    const data = type === "STRING" ? values.map((v) => (v === null ? null : String(v))) : values;
    return { name, data, type };
  });
  return new Uint8Array(parquetWriteBuffer({ columnData, createdBy: "@pqtls/report" }));
}
