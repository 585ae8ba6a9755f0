// The flags that say what to run, shared by `pqtls run` and `pqtls lanes check`: --preset,
// --config and one flag per config key, resolved into the run's config the same way for both.

import type { Command } from "commander";
import type { ConfigLayer, RunConfig } from "../run/config.js";
import { CONFIG_KEYS, SCALAR_KEYS } from "../run/keys.js";

/** Flags that are config keys (comma-separated lists where the key is an axis). */
const FLAG_KEYS = Object.keys(CONFIG_KEYS).filter((k) => k !== "links" && k !== "description");

function flagName(key: string): string {
  return `--${key.replace(/_/g, "-")}`;
}

export interface ConfigFlags {
  preset?: string;
  config?: string;
  [key: string]: unknown;
}

/** The run's config from --preset, --config and the config-key flags (shared with `pqtls lanes check`). */
export async function configFromFlags(
  flags: ConfigFlags,
): Promise<{ config: RunConfig; presetName: string | null }> {
  const { resolveConfig } = await import("../run/config.js");
  const { loadConfigFile, loadPreset } = await import("../run/presets.js");
  const layers: ConfigLayer[] = [];
  const presetName = flags.preset ?? (flags.config ? null : "quick");
  if (presetName) layers.push(loadPreset(presetName));
  if (flags.config) layers.push(loadConfigFile(flags.config));
  const fromFlags: Record<string, unknown> = {};
  for (const key of FLAG_KEYS) {
    const camel = key.replace(/_([a-z])/g, (_, ch: string) => ch.toUpperCase());
    if (flags[camel] !== undefined) fromFlags[key] = flags[camel];
  }
  layers.push({ source: "flags", values: fromFlags });
  return { config: resolveConfig(layers, presetName), presetName };
}

/** --preset, --config and one flag per config key: how `run` and `lanes check` say what to run. */
export function addConfigOptions(cmd: Command): Command {
  cmd
    .option(
      "--preset <name>",
      "start from fixtures/presets/NAME.yaml (default: quick, unless --config is given)",
    )
    .option(
      "--config <file>",
      "YAML or JSON config with the same keys as these flags (applied over the preset)",
    );
  for (const key of FLAG_KEYS) {
    const value = key === "variants" ? "<kex:chain,...>" : SCALAR_KEYS.includes(key) ? "<value>" : "<list>";
    cmd.option(`${flagName(key)} ${value}`, CONFIG_KEYS[key]);
  }
  return cmd;
}
