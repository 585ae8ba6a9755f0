// Every command's --help ends with an example whose flags the command has; `pqtls presets` lists
// each preset with its description, cell count and the plan's estimate; non-terminal progress lines
// carry elapsed time and an ETA.
import { Command } from "commander";
import { describe, expect, it } from "vitest";
import { commands } from "../src/cli/commands.js";
import { addExamples, EXAMPLES } from "../src/cli/examples.js";
import { presetLines } from "../src/cli/presets.js";
import { listPresets } from "../src/run/presets.js";
import { statusLine } from "../src/run/progress.js";

function allCommands(program: Command, prefix = ""): [string, Command][] {
  return program.commands.flatMap((c) => {
    const name = `${prefix}${c.name()}`;
    return [[name, c] as [string, Command], ...allCommands(c, `${name} `)];
  });
}

/** Commands that take `pqtls run`'s options besides their own (they write run command lines). */
const RUN_OPTION_PASSERS = new Set(["cluster slurm", "cluster k8s"]);

describe("--help examples", () => {
  const program = new Command("pqtls");
  for (const register of commands) register(program);
  addExamples(program);

  it("every command and subcommand ends its help with an example using only its own flags", () => {
    const byName = new Map(allCommands(program));
    const names = [...byName.keys()].sort((a, b) => b.length - a.length);
    for (const [name, cmd] of byName) {
      let text = "";
      cmd.configureOutput({ writeOut: (s) => (text += s) });
      cmd.outputHelp();
      expect(text, name).toMatch(/\nExample:\n {2}(sudo )?pqtls /);
      for (const line of EXAMPLES[name]) {
        // The flags belong to the most specific command the line runs (`pqtls link check ...`).
        const words = `${line.replace(/^sudo /, "")} `;
        const target = names.find((n) => words.startsWith(`pqtls ${n} `));
        expect(target, line).toBeDefined();
        const longs = new Set(byName.get(target as string)?.options.map((o) => o.long));
        // `pqtls cluster slurm|k8s` pass every other option on to `pqtls run` in each shard's job.
        if (RUN_OPTION_PASSERS.has(target as string))
          for (const o of byName.get("run")?.options ?? []) longs.add(o.long);
        for (const flag of line.match(/(?<=\s)--[a-z-]+/g) ?? [])
          expect(longs.has(flag), `${line}: ${flag}`).toBe(true);
      }
    }
  });
});

describe("pqtls presets", () => {
  it("lists every preset with its description, cells and an estimate", async () => {
    const lines = await presetLines();
    expect(lines.map((l) => l.name)).toEqual(listPresets());
    for (const l of lines) {
      expect(l.description.length, l.name).toBeGreaterThan(0);
      expect(l.cells, l.name).toBeGreaterThan(0);
      expect(l.estimatedSeconds, l.name).toBeGreaterThan(0);
    }
  });
});

describe("progress lines without a terminal", () => {
  it("carry elapsed time and an ETA from the rate so far", () => {
    const line = statusLine({
      samples: 100,
      total: 400,
      cells: 2,
      cellsTotal: 8,
      failed: 1,
      elapsedMs: 60_000,
    });
    // 100 samples in 60 s: the 300 left take 180 s = 3 min.
    expect(line).toBe("samples 100/400, cells 2/8, 1.7 conn/s, failed 1, elapsed 60 s, ETA 3 min");
    expect(statusLine({ samples: 0, total: 4, cells: 0, cellsTotal: 1, failed: 0, elapsedMs: 0 })).toMatch(
      /ETA –$/,
    );
  });
});
