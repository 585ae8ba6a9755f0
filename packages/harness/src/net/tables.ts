// netem's delay distribution tables (normal, pareto, paretonormal), as iproute2 installs them under the
// tc lib folder: one value per entry, NETEM_DIST_SCALE (8192) = one sigma. Both backends use these files,
// so the TUN relay draws jitter exactly as kernel netem would.
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import type { JitterDist } from "./spec.js";

export const NETEM_DIST_SCALE = 8192;

/** Where iproute2 puts its tables on common distributions; $TC_LIB_DIR first, as tc itself honours it. */
export function tcLibDirs(): string[] {
  const dirs = [
    process.env.TC_LIB_DIR,
    "/usr/lib/tc",
    "/usr/lib64/tc",
    `/usr/lib/${process.arch === "arm64" ? "aarch64" : "x86_64"}-linux-gnu/tc`,
    "/usr/local/lib/tc",
    "/usr/share/tc",
  ];
  return dirs.filter((d): d is string => !!d);
}

/** Path of the table for `dist`, or null when iproute2's tables are not installed ("uniform" needs none). */
export function distTablePath(dist: Exclude<JitterDist, "uniform">): string | null {
  for (const dir of tcLibDirs()) {
    const path = join(dir, `${dist}.dist`);
    if (existsSync(path)) return path;
  }
  return null;
}

/** The table's entries (comment lines starting with # skipped). */
export function readDistTable(path: string): Int16Array {
  const values: number[] = [];
  for (const line of readFileSync(path, "utf8").split("\n")) {
    if (line.startsWith("#")) continue;
    for (const word of line.trim().split(/\s+/)) if (word) values.push(Number(word));
  }
  return Int16Array.from(values);
}

/** netem's tabledist(): the delay (ns) a table entry t maps to for mean mu and jitter sigma, with its rounding. */
export function tableDelayNs(muNs: number, sigmaNs: number, t: number): number {
  let x = (sigmaNs % NETEM_DIST_SCALE) * t;
  x += x >= 0 ? NETEM_DIST_SCALE / 2 : -NETEM_DIST_SCALE / 2;
  return Math.trunc(x / NETEM_DIST_SCALE) + Math.trunc(sigmaNs / NETEM_DIST_SCALE) * t + muNs;
}
