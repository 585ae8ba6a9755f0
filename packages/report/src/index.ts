// @pqtls/report: raw result rows → statistics, comparisons, charts and a report.
// writeReport is the one-call entry point; the rest lets a script or notebook work on rows directly.

export * from "./beside-study.js";
export * from "./bootstrap.js";
export * from "./chain-reduction.js";
export * from "./charts.js";
export * from "./compare.js";
export * from "./compare-cdfs.js";
export * from "./compare-output.js";
export * from "./compare-runs.js";
export * from "./configs.js";
export * from "./csv.js";
export * from "./fidelity.js";
export * from "./figures.js";
export * from "./handshake-bytes.js";
export * from "./html.js";
export * from "./jitter.js";
export * from "./link-check.js";
export * from "./load.js";
export * from "./loss-anatomy.js";
export * from "./markdown.js";
export * from "./params.js";
export * from "./pooled-handshake.js";
export * from "./quantile.js";
export * from "./random.js";
// The registry of dimensions (its condition/link field lists and words come through params.js).
export {
  activeValue,
  type CcName,
  CERT_COMPRESSIONS,
  type CellParams,
  type CertCompression,
  CONGESTION_CONTROLS,
  type ConfigAxes,
  cellId,
  DIMENSIONS,
  type Dimension,
  type DimensionField,
  type DimensionRow,
  describeCell,
  dimension,
  dimensionOf,
  ENGINES,
  type EngineName,
  FIELDS,
  type FieldSpec,
  type IdSection,
  JITTER_DISTS,
  type JitterDistName,
  LINK_KEYS,
  type LinkField,
  type LinkParams,
  linkKey,
  RESUME_MODES,
  type ResumeMode,
  rowFields,
  serverKey,
  VARIANT_FIELDS,
  VARIANT_KEYS,
  type ValueKind,
  type VariantField,
  type VariantParams,
} from "./registry.js";
export * from "./report.js";
export type * from "./row.js";
export { REQUIRED_ROW_FIELDS, TCP_INFO_FIELDS } from "./row.js";
export * from "./rows-csv.js";
export * from "./rows-parquet.js";
export * from "./runs.js";
export * from "./schema.js";
export * from "./shards.js";
export * from "./stats.js";
export * from "./study.js";
export * from "./summary.js";
export * from "./variant.js";
