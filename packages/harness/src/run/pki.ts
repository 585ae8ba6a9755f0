// Certificate material per chain spec: the PEM files a server sends and a client trusts. Base
// chains come from the test PKI (fixtures/pki/<name>/); everything is resolved before any set-up so
// a missing chain is a one-line error, not a column of failed rows.

import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { CliError } from "../cli/errors.js";
import { repoRoot } from "./presets.js";

export interface ChainMaterial {
  /** Leaf first, then intermediates (what the server sends). */
  certFile: string;
  keyFile: string;
  /** The root the client trusts. */
  caFile: string;
  /** The name the leaf is issued for (SNI and hostname check). */
  servername: string;
}

/** $PQTLS_PKI, else fixtures/pki in the repository. */
export function pkiDir(): string {
  return process.env.PQTLS_PKI ?? join(repoRoot(), "fixtures", "pki");
}

function baseChain(name: string): ChainMaterial {
  const dir = join(pkiDir(), name);
  const m: ChainMaterial = {
    certFile: join(dir, "chain.pem"),
    keyFile: join(dir, "leaf.key"),
    caFile: join(dir, "root.pem"),
    servername: existsSync(join(dir, "servername"))
      ? readFileSync(join(dir, "servername"), "utf8").trim()
      : "localhost",
  };
  for (const f of [m.certFile, m.keyFile, m.caFile])
    if (!existsSync(f)) throw new CliError(`chain ${name}: ${f} is missing (test PKI not generated?)`);
  return m;
}

export async function prepareChains(specs: string[]): Promise<Map<string, ChainMaterial>> {
  const out = new Map<string, ChainMaterial>();
  for (const spec of specs) {
    if (spec.includes("@")) throw new CliError(`chain ${spec}: padded chains are not available yet`);
    out.set(spec, baseChain(spec));
  }
  return out;
}
