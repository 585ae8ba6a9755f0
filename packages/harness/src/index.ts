// @pqtls/harness: namespaces, links, the experiment runner. The CLI lives in cli/.
export { CliError } from "./cli/errors.js";
