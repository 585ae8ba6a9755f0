// netem's delay distribution tables (normal, pareto, paretonormal), as iproute2 installs them under the
// tc lib folder: one value per entry, NETEM_DIST_SCALE (8192) = one sigma. Both backends use these files,
// so the TUN relay draws jitter exactly as kernel netem would. Where iproute2's are missing, the same
// tables are generated (entry for entry identical to iproute2's; tested against the installed ones).
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
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

/** iproute2's installed table for `dist`, or null when it is not installed. */
export function installedDistTablePath(dist: Exclude<JitterDist, "uniform">): string | null {
  for (const dir of tcLibDirs()) {
    const path = join(dir, `${dist}.dist`);
    if (existsSync(path)) return path;
  }
  return null;
}

/**
 * Path of the table for `dist` ("uniform" needs none): iproute2's own where installed, else one generated
 * the same way (identical entries, see generateDistTable) into a cache folder.
 */
export function distTablePath(dist: Exclude<JitterDist, "uniform">): string | null {
  const installed = installedDistTablePath(dist);
  if (installed) return installed;
  try {
    const dir = join(tmpdir(), "pqtls-tc-tables");
    const path = join(dir, `${dist}.dist`);
    if (!existsSync(path)) {
      mkdirSync(dir, { recursive: true });
      const tmp = `${path}.${process.pid}`;
      writeFileSync(tmp, formatDistTable(dist, generateDistTable(dist)));
      renameSync(tmp, path);
    }
    return path;
  } catch {
    return null;
  }
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

// ---- Generating the tables where iproute2's are not installed ----
// The same construction as iproute2's netem/normal.c, pareto.c and paretonormal.c (re-implemented
// here): an inverse CDF sampled at 4096 evenly spaced quantiles, scaled so NETEM_DIST_SCALE = 1 sigma.

const TABLE_SIZE = 16384;

/** erf via the Chebyshev fit of erfc (fractional error < 1.2e-7): ample for quantiles rounded to 1/16384. */
function erf(x: number): number {
  const z = Math.abs(x);
  const t = 1 / (1 + 0.5 * z);
  const r =
    t *
    Math.exp(
      -z * z -
        1.26551223 +
        t *
          (1.00002368 +
            t *
              (0.37409196 +
                t *
                  (0.09678418 +
                    t *
                      (-0.18628806 +
                        t *
                          (0.27886807 +
                            t * (-1.13520398 + t * (1.48851587 + t * (-0.82215223 + t * 0.17087277)))))))),
    );
  return x >= 0 ? 1 - r : r - 1;
}

/** table[i] = the x in [-10, 10] whose normal CDF rounds to i / TABLE_SIZE (last x wins, as in iproute2). */
function inverseNormal(): Float64Array {
  const table = new Float64Array(TABLE_SIZE + 1);
  // Integer steps of 0.00005 avoid accumulating floating-point drift over 400k steps.
  for (let k = 0; k <= 401_000; k++) {
    const x = -10 + k * 0.00005;
    if (x >= 10.05) break;
    table[Math.round(TABLE_SIZE * (0.5 + 0.5 * erf(x / Math.SQRT2)))] = x;
  }
  return table;
}

function clampShort(v: number): number {
  return Math.max(-32768, Math.min(32767, v));
}

/** Pareto (shape 3), shifted and scaled to zero mean, as iproute2's pareto table; i counts down from 65536. */
function paretoValue(i: number): number {
  let v = 1 / (i / 65536) ** (1 / 3);
  v -= 1.5;
  v *= (4 / 3) * NETEM_DIST_SCALE;
  return Math.round(Math.min(v, 32767));
}

export function generateDistTable(dist: Exclude<JitterDist, "uniform">): Int16Array {
  const out: number[] = [];
  if (dist === "pareto") {
    for (let i = 65536; i > 0; i -= 16) out.push(paretoValue(i));
    return Int16Array.from(out);
  }
  const normal = inverseNormal();
  for (let i = 0; i < TABLE_SIZE; i += 4) {
    const n = Math.round(normal[i] * NETEM_DIST_SCALE);
    out.push(clampShort(dist === "normal" ? n : Math.trunc((n + 3 * paretoValue(65536 - 4 * i)) / 4)));
  }
  return Int16Array.from(out);
}

/** Writes a table in iproute2's text format (a comment line, then 8 values per line). */
export function formatDistTable(dist: string, table: Int16Array): string {
  const lines = [`# This is the distribution table for the ${dist} distribution (generated by pqtls).`];
  for (let i = 0; i < table.length; i += 8) lines.push(` ${Array.from(table.subarray(i, i + 8)).join(" ")}`);
  return `${lines.join("\n")}\n`;
}
