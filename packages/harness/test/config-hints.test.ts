// Config mistakes keep their hints on the one error line: the closest key for a typo (`rat:` meant
// rate, not rtt) and a YAML error's file:line:column with the offending line's text.
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, describe, expect, it } from "vitest";
import { closestKey } from "../src/run/config.js";
import { CONFIG_KEYS } from "../src/run/keys.js";

const here = dirname(fileURLToPath(import.meta.url));
const bin = join(here, "..", "dist", "cli", "main.js");
const dir = mkdtempSync(join(tmpdir(), "pqtls-config-hints-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function runWithConfig(name: string, text: string) {
  const file = join(dir, name);
  writeFileSync(file, text);
  const r = spawnSync(process.execPath, [bin, "run", "--config", file, "--dry-run"], {
    encoding: "utf8",
    timeout: 60_000,
  });
  return { code: r.status, stderr: r.stderr, file };
}

describe("config hints", () => {
  it("suggests the closest registry key, ties going to the longer shared start", () => {
    const keys = Object.keys(CONFIG_KEYS);
    expect(closestKey("rat", keys)).toBe("rate");
    expect(closestKey("rt", keys)).toBe("rtt");
    expect(closestKey("sampels", keys)).toBe("samples");
    expect(closestKey("cert-compresion", keys)).toBe("cert_compression");
    expect(closestKey("bandwidth", keys)).toBeUndefined();
  });

  it("says did you mean rate for rat:, in one line, exit 2", () => {
    const r = runWithConfig("typo.yaml", "rat: 1mbit\n");
    expect(r.code).toBe(2);
    expect(r.stderr.trim().split("\n")).toHaveLength(1);
    expect(r.stderr).toContain('unknown config key "rat" (did you mean "rate"?)');
  });

  it("gives a YAML error's line:column and the line, in one line", () => {
    const r = runWithConfig("broken.yaml", "rtt: 35ms\nrate: [1mbit\nloss: 0%\n");
    expect(r.code).toBe(2);
    const lines = r.stderr.trim().split("\n");
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(
      new RegExp(
        `^pqtls: ${r.file.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}:3:1: not valid YAML/JSON: .* \\(at: loss: 0%\\)$`,
      ),
    );
  });
});
