// The CLI's shell: help lists the commands, and mistakes give one line and a non-zero exit.
import { spawnSync } from "node:child_process";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";

const bin = join(dirname(fileURLToPath(import.meta.url)), "..", "dist", "cli", "main.js");

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
