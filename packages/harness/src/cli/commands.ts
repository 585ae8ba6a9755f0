// Every `pqtls` command, in the order `pqtls --help` lists them. Add one line per command file.
import type { Command } from "commander";

export type RegisterCommand = (program: Command) => void;

export const commands: RegisterCommand[] = [];
