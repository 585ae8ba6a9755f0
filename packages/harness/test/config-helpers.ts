// Shared by the run-*.test.ts files that resolve configs: a flags layer, and the one-line CliError
// a refused config gives.
import { expect } from "vitest";
import { CliError } from "../src/cli/errors.js";
import { type ConfigLayer, resolveConfig } from "../src/run/config.js";

/** A config layer as the CLI flags would give it. */
export const flags = (values: Record<string, unknown>): ConfigLayer => ({ source: "flags", values });

/** The message of the CliError resolveConfig refuses `layers` with (fails the test if it accepts them). */
export function errorOf(layers: ConfigLayer[]): string {
  try {
    resolveConfig(layers);
  } catch (err) {
    expect(err).toBeInstanceOf(CliError);
    return (err as Error).message;
  }
  throw new Error("expected the config to be refused");
}
