// Shards of one experiment run on several machines (`pqtls run --shard`): who ran which shard, on
// what kernel, link backend and versions. A merged file lists its shards' meta lines in `shards`;
// shard files given to the report directly carry their own `shard`. Timings taken on different
// kernels or link backends do not pool cleanly, so a mix of them is a note, not a footnote.

import type { MetaLine } from "./row.js";

export interface ShardOrigin {
  index: number;
  count: number;
  host: string;
  run: string;
  kernel: string;
  link_backend: string;
  /** node and @pqtls/* versions, and the git commit, as one comparable string. */
  software: string;
}

/** Every shard behind these meta lines, in shard order (empty when none is a shard or a merge). */
export function shardOrigins(metas: readonly MetaLine[]): ShardOrigin[] {
  const out: ShardOrigin[] = [];
  for (const m of metas)
    for (const s of m.shards ?? [m]) {
      if (!s.shard) continue;
      const v = s.versions ?? {};
      const software = [
        `node ${v.node ?? "?"}`,
        ...Object.entries(v)
          .filter(([k]) => k.startsWith("@pqtls/"))
          .map(([k, x]) => `${k} ${x}`),
        `commit ${s.git_commit?.slice(0, 12) ?? "unknown"}`,
      ].join(", ");
      out.push({
        index: s.shard.index,
        count: s.shard.count,
        host: s.shard.host,
        run: s.run,
        kernel: s.kernel,
        link_backend: s.link_backend,
        software,
      });
    }
  return out.sort((a, b) => a.index - b.index);
}

/** Notes for what differs between shards: kernels, link backends, software. */
export function shardNotes(origins: readonly ShardOrigin[]): string[] {
  const notes: string[] = [];
  const mixed = (what: string, pick: (o: ShardOrigin) => string) => {
    const values = [...new Set(origins.map(pick))];
    if (values.length > 1)
      notes.push(
        `mixed ${what} across shards (${values
          .map(
            (v) =>
              `${v}: shard ${origins
                .filter((o) => pick(o) === v)
                .map((o) => o.index)
                .join(",")}`,
          )
          .join("; ")}): timings may not pool`,
      );
  };
  mixed("kernels", (o) => o.kernel);
  mixed("link backends", (o) => o.link_backend);
  mixed("software versions", (o) => o.software);
  return notes;
}

/** The report's "Shards" section (markdown), or "" for a run on one machine. */
export function shardsSection(
  metas: readonly MetaLine[],
  table: (h: string[], r: string[][]) => string,
): string {
  const origins = shardOrigins(metas);
  if (origins.length === 0) return "";
  const hosts = new Set(origins.map((o) => o.host)).size;
  const rows = origins.map((o) => [
    `${o.index}/${o.count}`,
    o.host,
    o.run,
    o.kernel,
    o.link_backend,
    o.software,
  ]);
  const notes = shardNotes(origins).map((n) => `\n**Note:** ${n}.\n`);
  return [
    `## Shards\n`,
    `${origins.length} shard(s) of ${origins[0].count} on ${hosts} host(s).\n`,
    table(["shard", "host", "run", "kernel", "link backend", "software"], rows),
    ...notes,
  ].join("\n");
}
