// Runs the system tools (ip, tc, sysctl, ethtool) with bounded time and one-line errors.
import { execFile } from "node:child_process";

export interface ExecResult {
  stdout: string;
  stderr: string;
  code: number;
}

export class CommandError extends Error {
  constructor(
    readonly argv: string[],
    readonly result: ExecResult,
  ) {
    const why = (result.stderr || result.stdout).trim().split("\n")[0] || `exit code ${result.code}`;
    // Scripts (sh -c ...) are long and multi-line: name the command, not the script.
    const shown = argv.map((a) => (a.includes("\n") || a.length > 80 ? "<script>" : a)).join(" ");
    super(`${shown}: ${why}`);
    this.name = "CommandError";
  }
}

/** Runs argv[0] with the rest as arguments; rejects with CommandError on a non-zero exit unless allowFail. */
export function run(
  argv: string[],
  o: { allowFail?: boolean; timeoutMs?: number } = {},
): Promise<ExecResult> {
  return new Promise((resolve, reject) => {
    execFile(
      argv[0],
      argv.slice(1),
      { timeout: o.timeoutMs ?? 15_000, maxBuffer: 16 * 1024 * 1024, encoding: "utf8" },
      (err, stdout, stderr) => {
        const code = err ? (typeof err.code === "number" ? err.code : 1) : 0;
        const result = {
          stdout,
          stderr: stderr || (err && code !== 0 && !stderr ? err.message : stderr),
          code,
        };
        if (code !== 0 && !o.allowFail) reject(new CommandError(argv, result));
        else resolve(result);
      },
    );
  });
}

/** Runs a command inside a named network namespace (ip netns exec). */
export function runIn(
  ns: string | null,
  argv: string[],
  o: { allowFail?: boolean; timeoutMs?: number } = {},
) {
  return run(ns ? ["ip", "netns", "exec", ns, ...argv] : argv, o);
}
