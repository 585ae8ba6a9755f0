// Short chart labels for link conditions: a chart axis or legend has room for "35 ms, 1 Gbit/s" but
// not for "RTT 35 ms, jitter 0 ms, jitter dist. uniform, 1000 Mbit/s, loss 0 %", which labelLimit
// then cut to the same prefix for different conditions. A link the config names (`name: slow` in a
// `links` entry) is called by its name. Labels are checked to stay distinct; where two would read
// the same, the full words are used.

import { FIELDS, type FieldSpec } from "./dimensions.js";
import { type Condition, type ConditionField, conditionKey, describeField, LINK_FIELDS } from "./params.js";
import type { MetaLine } from "./row.js";

export { formatRate } from "./dimensions.js";

/** One field in as few words as still say what it is: the registry's short words, or its description. */
function shortField(f: ConditionField, c: Condition): string | null {
  const spec: FieldSpec = FIELDS[f];
  return spec.short ? spec.short(c[f], c) : describeField(f, c[f]);
}

/** Link names from the meta lines' resolved configs: `links` entries carrying a `name`. */
export function linkNames(metas: readonly MetaLine[]): { name: string; link: Record<string, unknown> }[] {
  const out: { name: string; link: Record<string, unknown> }[] = [];
  for (const m of metas) {
    const links = (m.config as { links?: unknown } | undefined)?.links;
    if (!Array.isArray(links)) continue;
    for (const l of links) {
      if (l && typeof l === "object" && typeof (l as { name?: unknown }).name === "string")
        out.push({ name: (l as { name: string }).name, link: l as Record<string, unknown> });
    }
  }
  return out;
}

/** The configured name of a condition's link: every link field the named entry gives must match. */
function nameOf(c: Condition, names: ReturnType<typeof linkNames>): string | null {
  for (const { name, link } of names) {
    const fields = LINK_FIELDS.filter((f) => f in link);
    if (fields.length > 0 && fields.every((f) => link[f] === c[f])) return name;
  }
  return null;
}

/**
 * Short, distinct labels for `conditions` (keyed by conditionKey), naming the fields in `varying`:
 * a link's configured name stands for its link fields. Falls back to full words when short ones collide.
 */
export function shortConditionLabels(
  conditions: readonly Condition[],
  varying: readonly ConditionField[],
  metas: readonly MetaLine[] = [],
): Map<string, string> {
  const names = linkNames(metas);
  const labels = new Map<string, string>();
  for (const c of conditions) {
    const name = nameOf(c, names);
    const parts: string[] = [];
    if (name) parts.push(name);
    for (const f of varying) {
      if (name && (LINK_FIELDS as readonly string[]).includes(f)) continue;
      const s = shortField(f, c);
      if (s !== null) parts.push(s);
    }
    labels.set(conditionKey(c), parts.join(", ") || "all");
  }
  const seen = new Set<string>();
  const distinct = [...labels.values()].every((l) => !seen.has(l) && seen.add(l));
  if (!distinct)
    for (const c of conditions)
      labels.set(conditionKey(c), varying.map((f) => describeField(f, c[f])).join(", ") || "all");
  return labels;
}

/** What is the same for every cell, shortly, for a chart subtitle (e.g. "1 Gbit/s, initcwnd 20"). */
export function fixedWords(fixed: Partial<Condition>): string {
  const c = fixed as Condition;
  const parts: string[] = [];
  for (const f of ["rtt_ms", "rate_mbps", "loss_pct", "jitter_ms", "jitter_dist", "initcwnd"] as const) {
    if (!(f in fixed)) continue;
    const s = shortField(f, c);
    if (s !== null) parts.push(s);
  }
  return parts.join(", ");
}
