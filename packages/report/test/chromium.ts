// Headless Chromium for the HTML tests (the report's and the comparison's): open a file, let its
// scripts run, and read the DOM it rendered (no screenshots).

import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync } from "node:fs";
import { join } from "node:path";
import { expect } from "vitest";

const CHROMIUM = process.env.PQTLS_CHROMIUM ?? "/usr/bin/chromium";

/** Why the browser tests cannot run here, or null when they can. */
export function chromiumMissing(): string | null {
  return existsSync(CHROMIUM) ? null : `${CHROMIUM} not found (install chromium or set PQTLS_CHROMIUM)`;
}

/** The DOM after the page's scripts ran, as headless Chromium serialises it (profile under `dir`). */
export function renderedDom(file: string, dir: string): string {
  const profile = mkdtempSync(join(dir, "profile-"));
  const r = spawnSync(
    CHROMIUM,
    [
      "--headless",
      "--no-sandbox",
      "--disable-gpu",
      "--no-first-run",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
      `--user-data-dir=${profile}`,
      // Scripts and Vega's async dataflow get up to 20 s of page time before the DOM is dumped.
      "--virtual-time-budget=20000",
      "--dump-dom",
      `file://${file}`,
    ],
    { encoding: "utf8", timeout: 120_000, maxBuffer: 64 * 1024 * 1024 },
  );
  if (r.status !== 0) throw new Error(`chromium exited ${r.status}: ${r.stderr.slice(-500)}`);
  return r.stdout;
}

/** Text of the cells of each <tr> of the table that follows `heading`. */
export function tableAfter(dom: string, heading: string): string[][] {
  const at = dom.indexOf(heading);
  expect(at, heading).toBeGreaterThan(0);
  const table = dom.slice(at, dom.indexOf("</table>", at));
  return [...table.matchAll(/<tr>([\s\S]*?)<\/tr>/g)].map((m) =>
    [...m[1].matchAll(/<t[hd][^>]*>([\s\S]*?)<\/t[hd]>/g)].map((c) =>
      c[1]
        .replace(/<br>/g, " | ")
        .replace(/<[^>]+>/g, "")
        .replace(/&amp;/g, "&")
        .trim(),
    ),
  );
}
