// The plans of every preset (and of two flag sets that switch on every other dimension) against
// copies stored before the dimension registry replaced the hand-written planning: cell ids, their
// order, which cells share a server and the `--dry-run` text must stay byte-identical, or old
// results files stop resuming and reports stop pairing cells.
// Regenerate (only for a deliberate change of ids): PQTLS_UPDATE_PLAN_SNAPSHOTS=1 npx vitest run test/run-plan-snapshot.test.ts
import { spawnSync } from "node:child_process";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { resolveConfig } from "../src/run/config.js";
import { buildPlan } from "../src/run/plan.js";
import { listPresets, loadPreset, repoRoot } from "../src/run/presets.js";
import { serverKey } from "../src/run/runner.js";

const here = dirname(fileURLToPath(import.meta.url));
const bin = join(here, "..", "dist", "cli", "main.js");
const root = repoRoot();
const update = process.env.PQTLS_UPDATE_PLAN_SNAPSHOTS === "1";

/** Flag sets beyond the presets, so every dimension and every "none" spelling is in some snapshot. */
const EXTRA: Record<string, string[]> = {
  "quick+openssl-link": [
    "--preset=quick",
    "--engine=pqtls,openssl",
    "--suite=TLS_AES_128_GCM_SHA256,chacha20_poly1305_sha256",
    "--resumption=full,resumed",
    "--loss=0%,gemodel 1% 10%",
    "--jitter=0ms,5ms",
    "--jitter-dist=normal,pareto",
    "--queue-limit=500",
    "--mtu=1400",
    "--initcwnd=10",
    "--cc=bbr,reno",
  ],
  "quick+pqtls-only": [
    "--preset=quick",
    "--engine=pqtls",
    "--hooks=none,examples/chain-trimming.hooks.mjs",
    "--cert-compression=none,zlib",
    "--resumption=full,0rtt",
    "--rate=0,10mbit",
    "--rtt=1ms",
    "--bytes=0,1KB,1KiB",
  ],
};

function flagLayer(args: string[]): Record<string, unknown> {
  const values: Record<string, unknown> = {};
  for (const a of args) {
    const m = /^--([a-z-]+)=(.*)$/.exec(a);
    if (!m || m[1] === "preset") continue;
    values[m[1].replace(/-/g, "_")] = m[2];
  }
  return values;
}

/** What the snapshot holds for one plan: the CLI's dry-run text, then each cell's id and server. */
function snapshotOf(name: string, args: string[]): string {
  // One forced lane, as the copies were stored: `--lanes auto` (the default) depends on the machine.
  const r = spawnSync(process.execPath, [bin, "run", ...args, "--lanes=1", "--dry-run"], {
    cwd: root,
    encoding: "utf8",
    timeout: 60_000,
  });
  expect(r.stderr).toBe("");
  expect(r.status).toBe(0);
  const preset = args.find((a) => a.startsWith("--preset="))?.slice("--preset=".length) ?? null;
  const cwd = process.cwd();
  process.chdir(root); // hooks paths resolve against the working directory, as in the CLI
  let config: ReturnType<typeof resolveConfig>;
  try {
    config = resolveConfig(
      [...(preset ? [loadPreset(preset)] : []), { source: "flags", values: flagLayer(args) }],
      preset,
    );
  } finally {
    process.chdir(cwd);
  }
  const plan = buildPlan(config);
  // Which cells share a server is the contract, not the key's spelling (an added dimension extends it).
  const servers = new Map<string, number>();
  const serverOf = (key: string) => {
    if (!servers.has(key)) servers.set(key, servers.size);
    return servers.get(key);
  };
  const lines = [
    `# pqtls run ${args.join(" ")} --dry-run (${name})`,
    `description: ${config.description}`,
    r.stdout.trimEnd(),
    "# cell id | server (cells with the same number share one server process)",
    ...plan.cells.map((c) => `${c.id} | server ${serverOf(serverKey(c))}`),
  ];
  return `${lines.join("\n").replaceAll(root, "<repo>")}\n`;
}

const cases: [string, string[]][] = [
  ...listPresets().map((p): [string, string[]] => [p, [`--preset=${p}`]]),
  ...Object.entries(EXTRA),
];

describe("plan snapshots", () => {
  it("covers every preset in fixtures/presets", () => {
    expect(listPresets().length).toBeGreaterThanOrEqual(6);
  });

  for (const [name, args] of cases) {
    it(`plans ${name} exactly as the stored copy`, () => {
      const file = join(here, "plan-snapshots", `${name}.txt`);
      const now = snapshotOf(name, args);
      if (update) writeFileSync(file, now);
      expect(existsSync(file), `${file} is missing`).toBe(true);
      expect(now).toBe(readFileSync(file, "utf8"));
    });
  }
});
