// Child-process plumbing for the command-line interop peers (gnutls-cli/-serv, chromium, tshark):
// free ports, waiting for a line of output, running a tool to completion with a time bound.

import {
  type ChildProcess,
  type ChildProcessWithoutNullStreams,
  execFileSync,
  spawn,
} from "node:child_process";
import { type AddressInfo, createServer as createNetServer } from "node:net";

/** The tool's first output line for `args` (e.g. ["--version"]), or null when it is not installed. */
export function toolVersion(cmd: string, args = ["--version"]): string | null {
  try {
    return execFileSync(cmd, args, { encoding: "utf8", stdio: ["ignore", "pipe", "pipe"], timeout: 10_000 })
      .split("\n")[0]
      .trim();
  } catch {
    return null;
  }
}

export async function freePort(): Promise<number> {
  const s = createNetServer();
  await new Promise<void>((r) => s.listen(0, "127.0.0.1", r));
  const port = (s.address() as AddressInfo).port;
  await new Promise((r) => s.close(r));
  return port;
}

/** Resolves once the process printed `text` (stdout or stderr); rejects on exit or after ms. */
export function waitForOutput(p: ChildProcess, text: string | RegExp, ms = 10_000): Promise<string> {
  return new Promise((resolve, reject) => {
    let seen = "";
    const done = () => {
      clearTimeout(t);
      p.stdout?.off("data", on);
      p.stderr?.off("data", on);
      p.off("exit", onExit);
    };
    const t = setTimeout(() => {
      done();
      reject(new Error(`timeout waiting for ${text}; output: ${seen}`));
    }, ms);
    const on = (d: Buffer) => {
      seen += d.toString();
      if (typeof text === "string" ? seen.includes(text) : text.test(seen)) {
        done();
        resolve(seen);
      }
    };
    const onExit = (code: number | null) => {
      done();
      reject(new Error(`exited with ${code} before ${text}: ${seen}`));
    };
    p.stdout?.on("data", on);
    p.stderr?.on("data", on);
    p.once("exit", onExit);
  });
}

export interface RunResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/** Runs a command to completion (stdin from `input`), killed after ms; never rejects on exit codes. */
export function run(
  cmd: string,
  args: string[],
  opts: { input?: string; ms?: number; env?: NodeJS.ProcessEnv } = {},
): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    const p = spawn(cmd, args, { stdio: ["pipe", "pipe", "pipe"], env: opts.env ?? process.env });
    let stdout = "";
    let stderr = "";
    p.stdout.on("data", (d: Buffer) => {
      stdout += d.toString();
    });
    p.stderr.on("data", (d: Buffer) => {
      stderr += d.toString();
    });
    const timer = setTimeout(() => p.kill("SIGKILL"), opts.ms ?? 20_000);
    p.once("error", (e) => {
      clearTimeout(timer);
      reject(e);
    });
    p.once("close", (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stdout, stderr });
    });
    p.stdin.on("error", () => {}); // the tool may exit before reading all input
    if (opts.input !== undefined) p.stdin.end(opts.input);
  });
}

/** Stops a long-running peer with `signal` and waits for it to be gone (SIGKILL after ms). */
export function stop(p: ChildProcess, ms = 5_000, signal: NodeJS.Signals = "SIGTERM"): Promise<void> {
  if (p.exitCode !== null || p.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const t = setTimeout(() => {
      p.kill("SIGKILL");
      resolve();
    }, ms);
    p.once("exit", () => {
      clearTimeout(t);
      resolve();
    });
    p.kill(signal);
  });
}

/** Starts `openssl s_server` for TLS 1.3 on 127.0.0.1:port with a test chain; `extra` adds flags
 *  (groups, -rev, -early_data, -naccept ...). Wait for "ACCEPT" on its output before connecting. */
export function opensslServer(
  port: number,
  cert: { certFile: string; keyFile: string },
  extra: string[],
): ChildProcessWithoutNullStreams {
  return spawn("openssl", [
    "s_server",
    "-accept",
    `127.0.0.1:${port}`,
    "-cert",
    cert.certFile,
    "-key",
    cert.keyFile,
    "-tls1_3",
    ...extra,
  ]);
}
