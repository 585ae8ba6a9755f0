// @pqtls/harness: namespaces, links, the experiment runner. The CLI lives in cli/.
// CliError is UserError's former name, kept for code written against it.
export { UserError, UserError as CliError } from "./errors.js";
