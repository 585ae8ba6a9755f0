// @pqtls/report/dimensions: the registry of experiment dimensions on its own (the row fields, the
// dimensions, what a cell's id, server key and row are, how recorded configs compare, the fields in
// words, the vocabularies), without the report's chart code.
export * from "./cells.js";
export * from "./configs.js";
export * from "./dimensions.js";
export * from "./field-words.js";
export * from "./variant.js";
export * from "./vocabularies.js";
