// Several results files that are different experiments (their meta lines' configs or link backends
// differ) are reported side by side, one section each, instead of pooled: pooling would mix cells of
// different experiments, and refusing surprised users of `pqtls report results/*.jsonl`. Files of
// the same experiment (shards, resumed parts) stay together.

import { canonical, completeConfig, differingKeys } from "./configs.js";
import type { LoadedResults } from "./load.js";

export interface RunPart {
  loaded: LoadedResults;
  /** Config keys (and "link_backend") in which this part differs from some other part. */
  differs: string[];
}

function experimentKey(meta: LoadedResults["files"][number]["meta"]): string {
  return `${canonical(completeConfig(meta.config))}|${meta.link_backend}`;
}

/** Splits loaded results into one part per experiment, in input order; one part when they agree. */
export function splitRuns(loaded: LoadedResults): RunPart[] {
  const keys: string[] = [];
  const byKey = new Map<string, LoadedResults>();
  const runToKey = new Map<string, string>();
  for (const f of loaded.files) {
    const key = experimentKey(f.meta);
    if (!byKey.has(key)) {
      keys.push(key);
      byKey.set(key, { files: [], rows: [], origins: [], warnings: [] });
    }
    byKey.get(key)!.files.push(f);
    if (!runToKey.has(f.meta.run)) runToKey.set(f.meta.run, key);
  }
  if (keys.length <= 1) return [{ loaded, differs: [] }];
  loaded.rows.forEach((row, i) => {
    const part = byKey.get(runToKey.get(row.run) ?? keys[0])!;
    part.rows.push(row);
    part.origins.push(loaded.origins[i]);
  });
  for (const w of loaded.warnings) {
    const owner = loaded.files.find((f) => w.startsWith(`${f.file}:`));
    byKey.get(owner ? experimentKey(owner.meta) : keys[0])!.warnings.push(w);
  }
  return keys.map((key) => {
    const part = byKey.get(key)!;
    const mine = part.files[0].meta;
    const differs = new Set<string>();
    for (const other of keys) {
      if (other === key) continue;
      const theirs = byKey.get(other)!.files[0].meta;
      for (const k of differingKeys(mine.config, theirs.config)) differs.add(k);
      if (mine.link_backend !== theirs.link_backend) differs.add("link_backend");
    }
    return { loaded: part, differs: [...differs].sort() };
  });
}
