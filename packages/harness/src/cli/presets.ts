// `pqtls presets`: the presets in fixtures/presets with their description, number of cells and the
// plan's estimated duration (the same estimate `pqtls run --preset NAME --dry-run` prints).

import type { Command } from "commander";
import { formatDuration } from "../units.js";

export interface PresetLine {
  name: string;
  description: string;
  cells: number;
  connections: number;
  estimatedSeconds: number;
}

/** Every preset resolved and planned as `pqtls run --preset NAME` would, without running anything. */
export async function presetLines(): Promise<PresetLine[]> {
  const { listPresets, loadPreset } = await import("../run/presets.js");
  const { resolveConfig } = await import("../run/config.js");
  const { buildPlan } = await import("../run/plan.js");
  return listPresets().map((name) => {
    const config = resolveConfig([loadPreset(name)], name);
    const plan = buildPlan(config);
    return {
      name,
      description: config.description,
      cells: plan.cells.length,
      connections: plan.totalConnections,
      estimatedSeconds: plan.estimatedSeconds,
    };
  });
}

export function register(program: Command): void {
  program
    .command("presets")
    .description("list the presets: description, cells and estimated duration")
    .option("--json", "one JSON object per preset")
    .action(async (flags: { json?: boolean }) => {
      const lines = await presetLines();
      for (const p of lines) {
        process.stdout.write(
          flags.json
            ? `${JSON.stringify(p)}\n`
            : `${p.name}  (${p.cells} cells, ${p.connections} connections, ~${formatDuration(p.estimatedSeconds)})\n    ${p.description}\n`,
        );
      }
    });
}
