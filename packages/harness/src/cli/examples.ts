// An example at the end of each command's --help (`pqtls run --help` ends with "Example:" lines).
// Kept in one table so every command, subcommands included, has one and a test can check they all do.

import type { Command } from "commander";

export const EXAMPLES: Record<string, string[]> = {
  run: [
    "pqtls run --preset quick --dry-run",
    "sudo pqtls run --preset ttlb-increase --samples 50 --fail-on failures,link-check --out results/ttlb.jsonl",
    "sudo pqtls run --preset ttlb-increase --ci-width 2 --samples 1000 --out results/ttlb.jsonl   # each comparison until its p50 interval is 2 points wide (30..1000 samples)",
  ],
  presets: ["pqtls presets", "pqtls run --preset quick --dry-run   # one preset's full plan"],
  report: [
    "pqtls report results/ttlb.jsonl                       # results/ttlb.md and its charts",
    "pqtls report results/ttlb.jsonl --baseline engine=openssl --format json -o -",
    "pqtls report results/ttlb.jsonl -o results/ttlb.csv       # raw rows for pandas/R (--format tables-csv: the summary tables)",
  ],
  compare: [
    "pqtls compare results/before.jsonl results/after.jsonl -o before-after.html",
    "pqtls compare results/ttlb.jsonl results/ttlb-openssl.jsonl --across engine   # pqtls vs OpenSSL",
  ],
  merge: ["pqtls merge -o results/ttlb.jsonl results/shard-*.jsonl"],
  cluster: ["pqtls cluster slurm --preset ttlb-increase --tasks 32 --dir runs/ttlb --submit --wait"],
  "cluster slurm": [
    "pqtls cluster slurm --preset ttlb-increase --samples 1000 --tasks 32 --dir runs/ttlb --submit --wait",
  ],
  "cluster k8s": [
    "pqtls cluster k8s --preset ttlb-increase --tasks 32 --image registry.example/pqtls:0.1 > job.yaml",
  ],
  doctor: ["pqtls doctor"],
  link: ["sudo pqtls link check --rtt 200ms --rate 1mbit"],
  "link check": ["sudo pqtls link check --rtt 200ms --rate 1mbit --loss 1%"],
  "link up": ["sudo pqtls link up --rtt 35ms --rate 1gbit --lanes 2"],
  lanes: ["sudo pqtls lanes check --preset quick --samples 40 --lanes 8"],
  "lanes check": [
    "sudo pqtls lanes check --preset quick --samples 40 --lanes 8",
    "sudo pqtls run --preset ttlb-increase --samples 60 --lanes 16 --calibrate   # the same, with run's flags",
  ],
  cleanup: ["sudo pqtls cleanup --dry-run"],
  bench: ["pqtls bench --json > bench.json"],
  serve: ["pqtls serve --port 4433 --cert chain.pem --key key.pem --http"],
  connect: ["pqtls connect 127.0.0.1:4433 --ca root.pem --get 100KiB --timeout 5s"],
  certs: ["pqtls certs --sig mldsa65 --depth 2"],
};

/** Adds its example to every command and subcommand of `program` that has one in EXAMPLES. */
export function addExamples(program: Command, prefix = ""): void {
  for (const cmd of program.commands) {
    const name = `${prefix}${cmd.name()}`;
    const lines = EXAMPLES[name];
    if (lines) cmd.addHelpText("after", `\nExample:\n${lines.map((l) => `  ${l}`).join("\n")}\n`);
    addExamples(cmd, `${name} `);
  }
}
