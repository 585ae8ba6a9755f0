// Raw rows as one tidy CSV for pandas and R: a line per connection, a column per field. The nested
// counters are flattened with dots (`tcp.client.retrans`, `link.up.delivered`), so every column is a
// number or a string; absent and null values are empty cells. Columns: the row's fields in the row
// format's order, then the nested counters in the order first seen. Quoting is csv-stringify's.

import { stringify } from "csv-stringify/sync";
import { FIELD_ORDER, FIELDS } from "./dimensions.js";
import { REQUIRED_ROW_FIELDS, type Row } from "./row.js";

const OWN = ["run", "cell", "sample", "lane", "ts"];
/** The measured fields every row has (ok, error, the timers, the byte counts), in the row format's order. */
const MEASURED = REQUIRED_ROW_FIELDS.filter((f) => !OWN.includes(f) && !(f in FIELDS));

/** The leading columns, in the row format's order (the dimension fields from the registry). */
export const ROW_COLUMNS: readonly string[] = [
  "run",
  "cell",
  "sample",
  ...FIELD_ORDER,
  ...MEASURED,
  "cert_msg_bytes",
  "close_ms",
  "lane",
  "ts",
];

export type Flat = Record<string, string | number | boolean | null>;

function flatten(value: unknown, prefix: string, out: Flat): void {
  if (value !== null && typeof value === "object" && !Array.isArray(value)) {
    for (const [k, v] of Object.entries(value)) flatten(v, prefix ? `${prefix}.${k}` : k, out);
  } else if (Array.isArray(value)) out[prefix] = JSON.stringify(value);
  else out[prefix] = value as string | number | boolean | null;
}

/** The rows flattened (one record per row, dotted keys for nested counters) and their columns in order. */
export function flattenRows(rows: readonly Row[]): { columns: string[]; records: Flat[] } {
  const flat = rows.map((r) => {
    const { type: _type, ...rest } = r;
    const f: Flat = {};
    flatten(rest, "", f);
    return f;
  });
  const columns: string[] = [...ROW_COLUMNS];
  const known = new Set(columns);
  for (const f of flat)
    for (const k of Object.keys(f))
      if (!known.has(k)) {
        known.add(k);
        columns.push(k);
      }
  return { columns, records: flat };
}

/** The rows as CSV text with a header line. */
export function renderRowsCsv(rows: readonly Row[]): string {
  const { columns, records } = flattenRows(rows);
  return stringify(records, {
    header: true,
    columns,
    cast: { boolean: (b) => (b ? "true" : "false") },
  });
}
