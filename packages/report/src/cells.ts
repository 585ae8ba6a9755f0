// A planned cell in the registry's terms: its id, its link group's key, its server key, its
// `--dry-run` line and its row fields, each put together from the dimensions' entries.

import {
  type CellParams,
  DIMENSIONS,
  type Dimension,
  type DimensionField,
  type DimensionRow,
  dimensionOf,
  FIELD_ORDER,
  type IdSection,
} from "./dimensions.js";

/** At its "none" (a cell planned before the dimension existed has no value for it: none too). */
function atNone(d: Dimension, cell: CellParams): boolean {
  return d.none !== undefined && d.fields.some((f) => cell[f] === d.none || cell[f] === undefined);
}

function parts(cell: CellParams, section: IdSection): string[] {
  return (DIMENSIONS as readonly Dimension[])
    .filter((d) => d.id?.section === section && !atNone(d, cell))
    .map((d) => d.id!.part(cell));
}

/**
 * The cell's value of a dimension field, or undefined when that dimension is at its "none" (or the
 * field is absent): what endpoint code switches a feature on with.
 */
export function activeValue<F extends DimensionField>(cell: CellParams, field: F): CellParams[F] | undefined {
  const v = cell[field];
  return v === undefined || v === dimensionOf(field).none ? undefined : v;
}

/** The link part of a cell id: also the key of its link group. */
export function linkKey(cell: CellParams): string {
  return parts(cell, "link").join(",");
}

/** The stable id of a cell: its parameters, readable. Dimensions at "none" stay out of it. */
export function cellId(cell: CellParams): string {
  return [...parts(cell, "head"), linkKey(cell), ...parts(cell, "tail")].join("/");
}

/** Cells with equal server keys share one server process. */
export function serverKey(cell: CellParams): string {
  return (DIMENSIONS as readonly Dimension[])
    .filter((d) => d.keysServer)
    .flatMap((d) => d.fields.map((f) => String(cell[f])))
    .join("|");
}

/** A cell as a `--dry-run` line shows it (within its link group): head values, then tail parts. */
export function describeCell(cell: CellParams): string {
  return [...parts(cell, "head"), ...parts(cell, "tail")].join(" ");
}

/** The dimension fields of a row for a cell, in row order; fields at an omitted "none" are left out. */
export function rowFields(cell: CellParams): DimensionRow {
  const out: Record<string, string | number> = {};
  for (const f of FIELD_ORDER) {
    const v = cell[f];
    if (v === undefined) continue;
    const d = dimensionOf(f);
    if (d.rowOmitsNone && v === d.none) continue;
    out[f] = v;
  }
  return out as DimensionRow;
}
