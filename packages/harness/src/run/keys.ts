// The config keys, with what each means: shared by config files, presets and `pqtls run` flags.
// The dimensions' keys come from the registry (@pqtls/report/dimensions, which loads nothing heavy),
// so the CLI lists its flags without loading the TLS stack.

import { DIMENSIONS, LINK_KEYS, VARIANT_KEYS } from "@pqtls/report/dimensions";

/** The keys that are not dimensions: pairs and link entries of dimensions, and the run's settings. */
const STRUCTURE_KEYS = {
  variants: `explicit ${VARIANT_KEYS.join(":")} pairs instead of the ${VARIANT_KEYS.join(" x ")} product`,
  links: "explicit link settings (each a mapping of link keys) instead of the product of the link keys",
};
const SETTING_KEYS = {
  samples: "recorded connections per cell",
  warmups: "unrecorded connections per cell before the samples",
  seed: "seed for the link's loss/jitter and the sample order",
  lanes: "parallel lanes, each its own link: auto (packed by a cost model; the default) or a number to force",
  machine: "what lanes auto may use: auto (this machine) or cores=N,memory=SIZE, e.g. cores=2,memory=24GiB",
  link: "link backend: auto, netem, tun, none (loopback, unshaped)",
  timeout: "limit per connection, e.g. 30s",
  ci_width:
    "adaptive sampling: sample each comparison until its 95% interval of the TTLB p50 % increase is at most this many percentage points wide (samples is then the cap)",
  ci_on: "with ci_width: p50 (default), or p90 to require the p90's interval narrow too",
  min_samples: "with ci_width: samples per cell before the first look at the interval (default 30)",
  report_baseline:
    "the report's baseline selector, as pqtls report --baseline (default kex=classical,chain=classical); the run's report and later pqtls report calls use it unless they say otherwise",
  report_variant:
    "the report's variant selector, as pqtls report --variant (default kex=pq,chain=pq), e.g. kex=pq to compare size-only (padded classical) chains too",
};

/** Every key a config layer may carry, with what it means (shown by `pqtls run --help` and errors). */
export const CONFIG_KEYS: Record<string, string> = {
  description: "free text shown in the report",
  ...Object.fromEntries(
    DIMENSIONS.flatMap((d) => {
      const entry: [string, string] = [d.key, d.help];
      // The pair key follows the last variant dimension, the entries key the last link dimension.
      if (d.key === VARIANT_KEYS.at(-1)) return [entry, ["variants", STRUCTURE_KEYS.variants]];
      if (d.key === LINK_KEYS.at(-1)) return [entry, ["links", STRUCTURE_KEYS.links]];
      return [entry];
    }),
  ),
  ...SETTING_KEYS,
};

/** Keys whose value is one setting, not a list of values to cross. */
export const SCALAR_KEYS: readonly string[] = ["description", ...Object.keys(SETTING_KEYS)];
