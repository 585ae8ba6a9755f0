#!/usr/bin/env node
// The `pqtls` command. Each command lives in its own file and exports `register(program)`;
// this file only assembles them and turns any error into one line on stderr and a non-zero exit.

import { readFileSync } from "node:fs";
import { Command, CommanderError } from "commander";
import { UserError } from "../errors.js";
import { commands } from "./commands.js";
import { addExamples } from "./examples.js";

/**
 * Exit codes of every command: 0 done; 1 the work failed (a connection, the report of a run, a
 * --fail-on condition); 2 usage (unknown command or option, a bad value, a bad input file); 130
 * interrupted.
 */
const EXIT_USAGE = 2;

/** The harness package's version (dist/cli/main.js → ../../package.json). */
function packageVersion(): string {
  const pkg = JSON.parse(readFileSync(new URL("../../package.json", import.meta.url), "utf8"));
  return String(pkg.version);
}

/** A multi-line message as one line: its non-empty lines joined. */
function oneLine(text: string): string {
  return text
    .split("\n")
    .map((l) => l.trim())
    .filter((l) => l !== "")
    .join(" ");
}

export async function main(argv: string[]): Promise<number> {
  // `pqtls ... | head` closes the pipe once it has its lines: that is no error, and no crash. Later
  // writes to stdout are dropped; the command itself (a run's cleanup included) goes on to its end.
  process.stdout.on("error", (err: NodeJS.ErrnoException) => {
    if (err.code !== "EPIPE") throw err;
  });
  const program = new Command("pqtls")
    .description("Measure post-quantum TLS 1.3 over emulated links: handshake time to last byte.")
    .version(packageVersion(), "-V, --version", "print the pqtls version")
    .showSuggestionAfterError(true)
    .exitOverride()
    // One line, hint included: commander puts "(Did you mean --samples?)" on a line of its own.
    .configureOutput({ outputError: (str, write) => write(`${oneLine(str)}\n`) });
  for (const register of commands) register(program);
  addExamples(program);

  try {
    await program.parseAsync(argv);
    return typeof process.exitCode === "number" ? process.exitCode : 0;
  } catch (err) {
    if (err instanceof CommanderError) {
      // --help and --version arrive here too, with exit code 0; every usage mistake (unknown
      // command or option, missing or bad value) is 2, as a bad value from a command is.
      return err.exitCode === 0 ? 0 : EXIT_USAGE;
    }
    const message = err instanceof Error ? err.message : String(err);
    process.stderr.write(`pqtls: ${oneLine(message)}\n`);
    if (process.env.PQTLS_DEBUG && err instanceof Error && err.stack) process.stderr.write(`${err.stack}\n`);
    return err instanceof UserError ? err.exitCode : 1;
  }
}

main(process.argv).then((code) => {
  process.exitCode = code;
});
