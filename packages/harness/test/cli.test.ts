// The CLI's shell: help lists the commands, and mistakes give one line and a non-zero exit.
import { spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { dirname, join, sep } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";

const here = dirname(fileURLToPath(import.meta.url));
const bin = join(here, "..", "dist", "cli", "main.js");

function pqtls(...args: string[]) {
  const r = spawnSync(process.execPath, [bin, ...args], { encoding: "utf8", timeout: 30_000 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe("pqtls CLI", () => {
  it("lists every registered command in --help", async () => {
    const { commands } = await import("../src/cli/commands.js");
    const r = pqtls("--help");
    expect(r.code).toBe(0);
    expect(r.stdout).toContain("Usage: pqtls");
    const { Command } = await import("commander");
    const program = new Command("pqtls");
    for (const register of commands) register(program);
    for (const c of program.commands) expect(r.stdout).toContain(c.name());
  });

  it("has a bin that exists before any build (so npm links it at install) and runs the built CLI", async () => {
    const pkg = JSON.parse(readFileSync(join(here, "..", "package.json"), "utf8"));
    const launcher = join(here, "..", pkg.bin.pqtls);
    expect(launcher).not.toContain(`${sep}dist${sep}`);
    const r = spawnSync(process.execPath, [launcher, "--help"], { encoding: "utf8", timeout: 30_000 });
    expect(r.status).toBe(0);
    expect(r.stdout).toContain("Usage: pqtls");
  });

  it("rejects an unknown command with one line and a non-zero exit", () => {
    const r = pqtls("no-such-command");
    expect(r.code).not.toBe(0);
    expect(r.stderr.trim().split("\n")).toHaveLength(1);
  });

  it("rejects an unknown flag with one line and a non-zero exit", () => {
    const r = pqtls("--no-such-flag");
    expect(r.code).not.toBe(0);
    expect(r.stderr.trim().split("\n")).toHaveLength(1);
    expect(r.stderr).toMatch(/unknown option/);
  });
});
