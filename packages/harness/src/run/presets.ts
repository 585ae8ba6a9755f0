// Presets (fixtures/presets/NAME.yaml) and config files: both are YAML (JSON is YAML too) holding
// the same keys as the `pqtls run` flags. Loading only parses and checks keys; values are checked
// when all layers are resolved (config.ts).

import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { parse as parseYaml } from "yaml";
import { UserError } from "../errors.js";
import { repoRoot } from "../repo.js";
import { type ConfigLayer, checkKeys } from "./config.js";

export { repoRoot };

/** $PQTLS_PRESETS, else fixtures/presets in the repository. */
export function presetDir(): string {
  return process.env.PQTLS_PRESETS ?? join(repoRoot(), "fixtures", "presets");
}

export function listPresets(): string[] {
  return readdirSync(presetDir())
    .filter((f) => f.endsWith(".yaml"))
    .map((f) => f.slice(0, -".yaml".length))
    .sort();
}

/**
 * A YAML error as one line that keeps its code frame's point: "FILE:LINE:COL: not valid YAML/JSON:
 * <reason> (at: <the line's text>)".
 */
function yamlProblem(err: unknown, text: string, source: string): string {
  const e = err as Error & { linePos?: { line: number; col: number }[] };
  const reason = e.message.split("\n")[0].replace(/ at line \d+, column \d+:?$/, "");
  const pos = e.linePos?.[0];
  if (!pos) return `${source}: not valid YAML/JSON: ${reason}`;
  const line = text.split(/\r?\n/)[pos.line - 1]?.trim() ?? "";
  return `${source}:${pos.line}:${pos.col}: not valid YAML/JSON: ${reason}${line ? ` (at: ${line})` : ""}`;
}

function parseLayer(text: string, source: string): ConfigLayer {
  let values: unknown;
  try {
    values = parseYaml(text);
  } catch (err) {
    throw new UserError(yamlProblem(err, text, source));
  }
  if (values === null || values === undefined) values = {};
  const layer = { source, values: values as Record<string, unknown> };
  checkKeys(layer);
  return layer;
}

export function loadPreset(name: string): ConfigLayer {
  if (!/^[a-z0-9][a-z0-9-]*$/.test(name)) throw new UserError(`unknown preset "${name}"`);
  const file = join(presetDir(), `${name}.yaml`);
  if (!existsSync(file))
    throw new UserError(`unknown preset "${name}" (available: ${listPresets().join(", ")})`);
  return parseLayer(readFileSync(file, "utf8"), `preset ${name}`);
}

export function loadConfigFile(path: string): ConfigLayer {
  const file = resolve(path);
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch (err) {
    throw new UserError(
      `cannot read config ${path}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`,
    );
  }
  return parseLayer(text, path);
}
