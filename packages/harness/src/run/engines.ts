// Engines, seen from the runner: which Node runs each endpoint program and whether the engine can
// run at all here. `openssl` runs under the Node 24 peer (OpenSSL 3.5: X25519MLKEM768, ML-DSA);
// `pqtls` runs this stack under the Node that runs the harness. Checked before any set-up.

import { existsSync, readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { UserError } from "../errors.js";
import { repoRoot } from "../repo.js";
import type { EngineName } from "./config.js";

export interface EngineRuntime {
  engine: EngineName;
  /** The node binary and its arguments before the script. */
  node: string;
  nodeArgs: string[];
  serverScript: string;
  clientScript: string;
  versions: Record<string, string>;
}

/** The harness package folder (holding package.json and dist/). */
export function harnessRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const pkg = join(dir, "package.json");
    if (existsSync(pkg) && JSON.parse(readFileSync(pkg, "utf8")).name === "@pqtls/harness") return dir;
    const up = dirname(dir);
    if (up === dir) throw new Error("cannot find the @pqtls/harness package folder");
    dir = up;
  }
}

/** The compiled endpoint programs (they run as plain JS under either Node). */
function endpointScripts(): { serverScript: string; clientScript: string } {
  const dir = join(harnessRoot(), "dist", "run", "endpoint");
  const serverScript = join(dir, "server.js");
  const clientScript = join(dir, "client.js");
  if (!existsSync(serverScript) || !existsSync(clientScript))
    throw new UserError(`endpoint programs missing in ${dir}: build first (npm run build)`);
  return { serverScript, clientScript };
}

interface Node24Module {
  node24Path(): string | null;
  node24Missing(): string | null;
  node24Versions(): { node: string; openssl: string } | null;
}

async function node24(): Promise<Node24Module> {
  const url = pathToFileURL(join(repoRoot(), "tools", "node24", "index.mjs")).href;
  return (await import(url)) as Node24Module;
}

/** Finds and checks the runtime of every engine in the plan; one line of error for a missing one. */
export async function resolveEngines(names: readonly EngineName[]): Promise<Map<EngineName, EngineRuntime>> {
  const scripts = endpointScripts();
  const out = new Map<EngineName, EngineRuntime>();
  for (const engine of names) {
    if (engine === "openssl") {
      const n24 = await node24();
      const bin = n24.node24Path();
      if (!bin) throw new UserError(`engine openssl needs the Node 24 peer: ${n24.node24Missing()}`);
      const v = n24.node24Versions() ?? { node: "?", openssl: "?" };
      out.set(engine, {
        engine,
        node: bin,
        nodeArgs: [],
        ...scripts,
        versions: { node: v.node, openssl: v.openssl },
      });
    } else {
      // A workspace package built with the harness: loading it is the only check (is it built?).
      await import("@pqtls/tls13").catch((err: Error) => {
        throw new UserError(
          `engine pqtls: cannot load @pqtls/tls13 (${err.message.split("\n")[0]}); build first`,
        );
      });
      out.set(engine, {
        engine,
        node: process.execPath,
        nodeArgs: [],
        ...scripts,
        versions: { node: process.versions.node },
      });
    }
  }
  return out;
}
