// @pqtls/report: raw result rows → statistics, comparisons, charts and a report.
// writeReport is the one-call entry point; the rest lets a script or notebook work on rows directly.

export * from "./bootstrap.js";
export * from "./charts.js";
export * from "./compare.js";
export * from "./csv.js";
export * from "./figures.js";
export * from "./handshake-bytes.js";
export * from "./html.js";
export * from "./jitter.js";
export * from "./link-check.js";
export * from "./load.js";
export * from "./markdown.js";
export * from "./params.js";
export * from "./quantile.js";
export * from "./random.js";
export * from "./report.js";
export type * from "./row.js";
export { REQUIRED_ROW_FIELDS } from "./row.js";
export * from "./runs.js";
export * from "./shards.js";
export * from "./stats.js";
export * from "./summary.js";
export * from "./variant.js";
