// `pqtls cleanup`: removes namespaces, devices and relays left by runs whose process is gone (e.g. after
// kill -9). A run whose process is alive is never touched.
import type { Command } from "commander";
import { UserError } from "../errors.js";
import { isRoot } from "../net/detect.js";
import { listLeftovers, removeLeftover } from "../net/runs.js";

export function register(program: Command): void {
  program
    .command("cleanup")
    .description("remove namespaces, devices and relays of dead runs (never a live run's)")
    .option("--dry-run", "only list what would be removed")
    .action(async (opts: { dryRun?: boolean }) => {
      if (!opts.dryRun && !isRoot())
        throw new UserError("cleanup needs root to delete namespaces (run it with sudo)");
      const leftovers = await listLeftovers();
      let removed = 0;
      for (const l of leftovers) {
        const what =
          [...l.namespaces, ...l.devices, ...l.relays.map((p) => `relay pid ${p}`)].join(", ") ||
          "run record";
        const name = l.runId ? `run ${l.runId}` : `run tag ${l.tag}`;
        if (l.alive) {
          process.stdout.write(`kept ${name}: alive (pid ${l.pid}): ${what}\n`);
          continue;
        }
        if (opts.dryRun) {
          process.stdout.write(`would remove ${name}: ${what}\n`);
          continue;
        }
        await removeLeftover(l);
        removed++;
        process.stdout.write(`removed ${name}: ${what}\n`);
      }
      if (leftovers.length === 0) process.stdout.write("nothing to clean up\n");
      else if (!opts.dryRun) process.stdout.write(`${removed} dead run(s) cleaned up\n`);
    });
}
