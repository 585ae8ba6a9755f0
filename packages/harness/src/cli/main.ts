#!/usr/bin/env node
// The `pqtls` command. Each command lives in its own file and exports `register(program)`;
// this file only assembles them and turns any error into one line on stderr and a non-zero exit.

import { Command, CommanderError } from "commander";
import { UserError } from "../errors.js";
import { commands } from "./commands.js";

export async function main(argv: string[]): Promise<number> {
  const program = new Command("pqtls")
    .description("Measure post-quantum TLS 1.3 over emulated links: handshake time to last byte.")
    .showSuggestionAfterError(true)
    .exitOverride()
    .configureOutput({ outputError: (str, write) => write(str.split("\n")[0] + "\n") });
  for (const register of commands) register(program);

  try {
    await program.parseAsync(argv);
    return typeof process.exitCode === "number" ? process.exitCode : 0;
  } catch (err) {
    if (err instanceof CommanderError) {
      // --help and --version arrive here too, with exit code 0.
      return err.exitCode;
    }
    const message = err instanceof Error ? err.message : String(err);
    process.stderr.write(`pqtls: ${message.split("\n")[0]}\n`);
    if (process.env.PQTLS_DEBUG && err instanceof Error && err.stack) process.stderr.write(`${err.stack}\n`);
    return err instanceof UserError ? err.exitCode : 1;
  }
}

main(process.argv).then((code) => {
  process.exitCode = code;
});
