// The CLI's name for the core's UserError (../errors.ts), kept so commands and tests written against
// `CliError` keep working; new code imports UserError from the core.
export { UserError as CliError } from "../errors.js";
