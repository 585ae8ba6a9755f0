// Running the built `pqtls` CLI from the cross-package tests: its path, a blocking run, a bounded
// asynchronous run, `pqtls serve --json` until it listens, a run that must be refused up front, the
// JSONL rows a run wrote, and why a namespace test cannot run here. One copy, so every suite drives the CLI the same way.

import { type ChildProcess, spawn, spawnSync } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { expect } from "vitest";

export const repoRoot = join(dirname(fileURLToPath(import.meta.url)), "..");
export const cliPath = join(repoRoot, "packages", "harness", "dist", "cli", "main.js");

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs `pqtls ...args` to completion (30 s at most). Blocks the event loop meanwhile. */
export function pqtlsSync(...args: string[]): CliResult {
  const r = spawnSync(process.execPath, [cliPath, ...args], { encoding: "utf8", timeout: 30_000 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** Runs `pqtls ...args` without blocking; rejects (after killing it) if it outlasts timeoutMs. */
export function pqtls(
  args: string[],
  o: { timeoutMs?: number; onSpawn?: (c: ChildProcess) => void } = {},
): Promise<CliResult> {
  const timeoutMs = o.timeoutMs ?? 90_000;
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [cliPath, ...args], { stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d) => (stdout += d));
    child.stderr.on("data", (d) => (stderr += d));
    const timer = setTimeout(() => {
      child.kill("SIGKILL");
      reject(new Error(`pqtls ${args.join(" ")} did not finish in ${timeoutMs} ms\n${stderr}`));
    }, timeoutMs);
    child.on("exit", (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
    o.onSpawn?.(child);
  });
}

/** `connect 127.0.0.1:PORT --servername NAME --ca CAFILE ...extra`: the arguments of a verified
 *  connection to a local `pqtls serve`. */
export function connectArgs(
  port: number,
  caFile: string,
  extra: string[] = [],
  servername = "localhost",
): string[] {
  return ["connect", `127.0.0.1:${port}`, "--servername", servername, "--ca", caFile, ...extra];
}

export interface Served {
  proc: ChildProcess;
  port: number;
  /** Every JSON line serve printed so far (it keeps growing while the server runs). */
  lines: string[];
}

/** Starts `pqtls serve --port 0 --json ...args` and resolves once it prints its listening line. */
export function serveJson(args: string[]): Promise<Served> {
  const proc = spawn(process.execPath, [cliPath, "serve", "--port", "0", "--json", ...args]);
  const lines: string[] = [];
  return new Promise((resolve, reject) => {
    const t = setTimeout(() => reject(new Error("serve did not start")), 15_000);
    let buf = "";
    proc.stdout!.on("data", (d: Buffer) => {
      buf += d.toString();
      for (let nl = buf.indexOf("\n"); nl >= 0; nl = buf.indexOf("\n")) {
        const line = buf.slice(0, nl);
        buf = buf.slice(nl + 1);
        lines.push(line);
        const ev = JSON.parse(line);
        if (ev.event === "listening") {
          clearTimeout(t);
          resolve({ proc, port: ev.port, lines });
        }
      }
    });
    proc.once("exit", (code) => reject(new Error(`serve exited ${code}`)));
  });
}

/** `pqtls run ...args --out out` must refuse in one line with exit 2 and `message`, before writing
 *  anything (no results file). */
export async function expectRunRefused(args: string[], out: string, message: RegExp): Promise<void> {
  const r = await pqtls(["run", ...args, "--out", out], { timeoutMs: 20_000 });
  expect(r.code).toBe(2);
  expect(r.stderr).toMatch(message);
  expect(r.stderr.trimEnd().split("\n")).toHaveLength(1);
  expect(existsSync(out)).toBe(false);
}

/** The result rows (type "row") of a JSONL file a run wrote, as parsed (the tests check each field). */
export function readRows(path: string) {
  return readFileSync(path, "utf8")
    .trim()
    .split("\n")
    .map((l) => JSON.parse(l))
    .filter((x) => x.type === "row");
}

/** Why the TUN-link end-to-end tests cannot run here (warned once, naming `what`), or null. */
export function tunLinkSkipReason(what: string): string | null {
  const why =
    process.getuid?.() !== 0
      ? "needs root (namespaces)"
      : !existsSync("/dev/net/tun")
        ? "needs /dev/net/tun"
        : null;
  if (why) console.warn(`skipping ${what}: ${why}`);
  return why;
}
