// The runner's side of the endpoint programs: start them inside a lane's namespaces, talk JSON lines
// over stdio, bound every wait, and stop them. A client driver that stops answering is killed and
// replaced, and the connection it was making becomes a failed row.

import type { ChildProcess } from "node:child_process";
import { availableParallelism } from "node:os";
import { createInterface } from "node:readline";
import type { TcpInfo } from "@pqtls/report";
import type { Lane } from "../net/index.js";
import {
  type ConnectCommand,
  type EndpointMessage,
  failedMeasurement,
  type Measurement,
  type ServerOptions,
} from "./endpoint/protocol.js";
import type { EngineRuntime } from "./engines.js";

const READY_TIMEOUT_MS = 20_000;
const STOP_TIMEOUT_MS = 3_000;
/** Extra time the driver gets beyond the connection's own timeout before it counts as hung. */
const DRIVER_GRACE_MS = 5_000;

/**
 * At most this many endpoint programs start at once, run-wide. A Node start-up (loading and compiling
 * the TLS stack) costs ~0.3-0.5 s of CPU; 16 lanes starting 48 programs together on 2 cores took more
 * than READY_TIMEOUT_MS each and the run failed ("client driver did not start"). Queued starts wait
 * for a slot before their ready timeout begins.
 */
export class StartGate {
  private active = 0;
  private readonly queue: Array<() => void> = [];
  private quietWaiters: Array<() => void> = [];

  constructor(private readonly slots: number) {}

  /**
   * Resolves when no start is running or queued. A Node start-up takes a core for about a second;
   * a connection measured meanwhile on another lane is slowed by it (16 lanes of 16 samples
   * measured +10-16 % on 1 Mbit/s handshakes, nearly all start-up time), so lanes wait for quiet
   * before each recorded connection.
   */
  /** Resolves true when it had to wait for starts, false when it was quiet already. */
  quiet(signal?: AbortSignal): Promise<boolean> {
    if (this.active === 0 && this.queue.length === 0) return Promise.resolve(false);
    return new Promise<boolean>((resolve, reject) => {
      const onAbort = () => {
        this.quietWaiters = this.quietWaiters.filter((w) => w !== done);
        reject(new AbortedError());
      };
      const done = () => {
        signal?.removeEventListener("abort", onAbort);
        resolve(true);
      };
      if (signal?.aborted) return onAbort();
      signal?.addEventListener("abort", onAbort, { once: true });
      this.quietWaiters.push(done);
    });
  }

  async run<T>(start: () => Promise<T>, signal?: AbortSignal): Promise<T> {
    if (this.active < this.slots) this.active++;
    // Wait for a finishing start to hand its slot over (active stays counted, so never looks quiet).
    else
      await new Promise<void>((resolve, reject) => {
        const onAbort = () => {
          const i = this.queue.indexOf(go);
          if (i >= 0) this.queue.splice(i, 1);
          reject(new AbortedError());
        };
        const go = () => {
          signal?.removeEventListener("abort", onAbort);
          resolve();
        };
        if (signal?.aborted) return onAbort();
        signal?.addEventListener("abort", onAbort, { once: true });
        this.queue.push(go);
      });
    try {
      return await start();
    } finally {
      const next = this.queue.shift();
      if (next) next();
      else if (--this.active === 0) {
        const waiting = this.quietWaiters;
        this.quietWaiters = [];
        for (const w of waiting) w();
      }
    }
  }
}

const startGate = new StartGate(Math.max(1, availableParallelism()));

/** Resolves when no endpoint program is starting anywhere in the run (see StartGate.quiet). */
export function endpointStartsQuiet(signal?: AbortSignal): Promise<boolean> {
  return startGate.quiet(signal);
}

export class AbortedError extends Error {
  constructor() {
    super("interrupted");
    this.name = "AbortedError";
  }
}

/** One endpoint program: a child process speaking JSON lines, inside one side of a lane. */
class EndpointProcess {
  private readonly child: ChildProcess;
  private readonly waiters = new Set<(m: EndpointMessage | null) => void>();
  private stderrTail = "";
  exited = false;
  readonly exitedPromise: Promise<void>;

  constructor(
    lane: Lane,
    side: "client" | "server",
    runtime: EngineRuntime,
    script: string,
    arg: unknown,
    private readonly onMessage: (m: EndpointMessage) => void = () => {},
  ) {
    this.child = lane.spawn(side, runtime.node, [...runtime.nodeArgs, script, JSON.stringify(arg)], {
      stdio: ["pipe", "pipe", "pipe"],
      env: { ...process.env, NODE_OPTIONS: "" },
    });
    this.exitedPromise = new Promise((resolve) => {
      const done = () => {
        if (this.exited) return;
        this.exited = true;
        for (const w of this.waiters) w(null);
        resolve();
      };
      this.child.once("exit", done);
      this.child.once("error", (err) => {
        this.stderrTail += `\n${err.message}`;
        done();
      });
    });
    this.child.stdin?.on("error", () => {}); // EPIPE when it died: reported through exit instead
    this.child.stderr?.on("data", (d: Buffer) => {
      this.stderrTail = (this.stderrTail + d.toString()).slice(-2000);
    });
    const lines = createInterface({ input: this.child.stdout!, crlfDelay: Number.POSITIVE_INFINITY });
    lines.on("line", (line) => {
      let msg: EndpointMessage;
      try {
        msg = JSON.parse(line) as EndpointMessage;
      } catch {
        this.stderrTail = (this.stderrTail + `\nstdout: ${line}`).slice(-2000);
        return;
      }
      this.onMessage(msg);
      for (const w of this.waiters) w(msg);
    });
  }

  get pid(): number | undefined {
    return this.child.pid;
  }

  /** Why it failed, in one line: its fatal message or the last line of its stderr. */
  lastWords(): string {
    const lines = this.stderrTail
      .trim()
      .split("\n")
      .filter((l) => l.trim() !== "");
    const meaningful = lines.filter((l) => /error|Error|fatal|cannot|Cannot/.test(l));
    return (meaningful.at(-1) ?? lines.at(-1) ?? "no output").trim().slice(0, 300);
  }

  send(value: unknown): void {
    this.child.stdin?.write(`${JSON.stringify(value)}\n`);
  }

  /** The next message matching `match`, or null when the process exits, times out or is aborted. */
  waitFor<T extends EndpointMessage>(
    match: (m: EndpointMessage) => m is T,
    timeoutMs: number,
    signal?: AbortSignal,
  ): Promise<T | "timeout" | "exit"> {
    if (this.exited) return Promise.resolve("exit");
    return new Promise((resolve, reject) => {
      const cleanup = () => {
        clearTimeout(timer);
        this.waiters.delete(waiter);
        signal?.removeEventListener("abort", onAbort);
      };
      const waiter = (m: EndpointMessage | null) => {
        if (m === null) {
          cleanup();
          resolve("exit");
        } else if (match(m)) {
          cleanup();
          resolve(m);
        }
      };
      const onAbort = () => {
        cleanup();
        reject(new AbortedError());
      };
      const timer = setTimeout(() => {
        cleanup();
        resolve("timeout");
      }, timeoutMs);
      if (signal?.aborted) return onAbort();
      signal?.addEventListener("abort", onAbort, { once: true });
      this.waiters.add(waiter);
    });
  }

  /** Its ready line; when it reports fatal, exits or stays silent, it is stopped and `what` did not
   *  start (EndpointStartError). Aborting stops it too. */
  async awaitReady(what: string, signal?: AbortSignal): Promise<Extract<EndpointMessage, { type: "ready" }>> {
    const ready = await this.waitFor(readyOrFatal, READY_TIMEOUT_MS, signal).catch(async (err) => {
      await this.stop();
      throw err;
    });
    if (ready === "timeout" || ready === "exit" || ready.type === "fatal") {
      const why =
        ready === "timeout"
          ? `no answer in ${READY_TIMEOUT_MS} ms`
          : ready === "exit"
            ? this.lastWords()
            : ready.message;
      await this.stop();
      throw new EndpointStartError(what, why);
    }
    return ready;
  }

  /** Closes stdin (the program exits on EOF), then SIGTERM, then SIGKILL; resolves when it is gone. */
  async stop(): Promise<void> {
    if (this.exited) return;
    this.child.stdin?.end();
    const gone = await Promise.race([
      this.exitedPromise.then(() => true),
      new Promise<boolean>((r) => setTimeout(() => r(false), STOP_TIMEOUT_MS)),
    ]);
    if (gone) return;
    this.child.kill("SIGKILL");
    await this.exitedPromise;
  }

  kill(): void {
    if (!this.exited) this.child.kill("SIGKILL");
  }
}

const isReady = (m: EndpointMessage): m is Extract<EndpointMessage, { type: "ready" }> => m.type === "ready";
const isFatal = (m: EndpointMessage): m is Extract<EndpointMessage, { type: "fatal" }> => m.type === "fatal";
const readyOrFatal = (m: EndpointMessage): m is Extract<EndpointMessage, { type: "ready" | "fatal" }> =>
  isReady(m) || isFatal(m);

export class EndpointStartError extends Error {
  constructor(what: string, why: string) {
    super(`${what} did not start: ${why}`);
    this.name = "EndpointStartError";
  }
}

/**
 * A server process in the lane's server namespace: one engine, one TLS server (its own port) per
 * server configuration it was started with, `ports[i]` for `options[i]`.
 */
export class ServerProcess {
  private constructor(
    private readonly proc: EndpointProcess,
    readonly ports: number[],
    readonly pid: number,
    readonly versions: Record<string, string>,
    /** Handshake/connection errors the server saw, by the client's port (to explain a failed row). */
    private readonly errors: Map<number, string>,
    /** The server socket's TCP_INFO at the client's FIN, by the client's port (empty without the addon). */
    private readonly infos: Map<number, TcpInfo>,
    /** Whether it reports TCP_INFO at all (its addon loaded). */
    private readonly reportsTcpInfo: boolean,
  ) {}

  static async start(lane: Lane, runtime: EngineRuntime, options: ServerOptions[], signal?: AbortSignal) {
    const errors = new Map<number, string>();
    const infos = new Map<number, TcpInfo>();
    const keep = <V>(map: Map<number, V>, port: number, value: V) => {
      map.set(port, value);
      if (map.size > 256) map.delete(map.keys().next().value!);
    };
    const { proc, ready } = await startGate.run(async () => {
      const proc = new EndpointProcess(lane, "server", runtime, runtime.serverScript, options, (m) => {
        if (m.type === "conn-error" && m.port !== null) keep(errors, m.port, m.message);
        else if (m.type === "conn-info") keep(infos, m.port, m.tcp_info);
      });
      return { proc, ready: await proc.awaitReady(`${runtime.engine} server`, signal) };
    }, signal);
    const ports = ready.ports ?? (ready.port !== undefined ? [ready.port] : []);
    if (ports.length !== options.length) {
      await proc.stop();
      throw new EndpointStartError(
        `${runtime.engine} server`,
        `it listens on ${ports.length} port(s) for ${options.length} server(s)`,
      );
    }
    return new ServerProcess(proc, ports, ready.pid, ready.versions, errors, infos, ready.tcpInfo === true);
  }

  /**
   * The server's TCP_INFO for the connection from `clientPort` (taken once), waiting up to `waitMs`
   * for its line (it travels on its own pipe) — not at all from a server without the addon.
   */
  async tcpInfoFor(clientPort: number | null, waitMs = 100): Promise<TcpInfo | null> {
    if (clientPort === null || !this.reportsTcpInfo) return null;
    const until = Date.now() + waitMs;
    while (!this.infos.has(clientPort) && Date.now() < until && !this.proc.exited)
      await new Promise((r) => setTimeout(r, 5));
    const info = this.infos.get(clientPort) ?? null;
    this.infos.delete(clientPort);
    return info;
  }

  /** The server's error for the connection from `clientPort`, if it reports one within `waitMs`. */
  async errorFor(clientPort: number | null, waitMs = 100): Promise<string | null> {
    if (clientPort === null) return null;
    // The server's line travels on its own pipe and may trail the client's result a little.
    const until = Date.now() + waitMs;
    while (!this.errors.has(clientPort) && Date.now() < until && !this.proc.exited)
      await new Promise((r) => setTimeout(r, 10));
    return this.errors.get(clientPort) ?? null;
  }

  get alive(): boolean {
    return !this.proc.exited;
  }

  stop(): Promise<void> {
    return this.proc.stop();
  }

  kill(): void {
    this.proc.kill();
  }
}

/** The long-lived client driver of one engine in the lane's client namespace. Restarts itself when it dies. */
export class ClientDriver {
  private proc: EndpointProcess | null = null;
  private nextId = 1;
  /** pid of the driver, inside the client namespace (for its /proc/<pid>/net counters). */
  pid = 0;
  versions: Record<string, string> = {};

  constructor(
    private readonly lane: Lane,
    private readonly runtime: EngineRuntime,
  ) {}

  async ensureStarted(signal?: AbortSignal): Promise<void> {
    if (this.proc && !this.proc.exited) return;
    const ready = await startGate.run(async () => {
      const proc = new EndpointProcess(this.lane, "client", this.runtime, this.runtime.clientScript, {
        engine: this.runtime.engine,
      });
      this.proc = proc;
      return proc.awaitReady(`${this.runtime.engine} client driver`, signal).catch((err) => {
        this.proc = null; // stopped already: the next connection starts a new driver
        throw err;
      });
    }, signal);
    this.pid = ready.pid;
    this.versions = ready.versions;
  }

  /** Makes one connection. Never rejects for a connection problem (that is a failed Measurement). */
  async connect(cmd: Omit<ConnectCommand, "type" | "id">, signal?: AbortSignal): Promise<Measurement> {
    await this.ensureStarted(signal);
    const proc = this.proc!;
    const id = this.nextId++;
    proc.send({ type: "connect", id, ...cmd } satisfies ConnectCommand);
    const isResult = (m: EndpointMessage): m is Extract<EndpointMessage, { type: "result" }> =>
      m.type === "result" && m.id === id;
    const r = await proc.waitFor(isResult, cmd.timeoutMs + DRIVER_GRACE_MS, signal);
    if (r === "timeout") {
      await this.restart();
      return failedMeasurement(`client driver gave no result within ${cmd.timeoutMs + DRIVER_GRACE_MS} ms`);
    }
    if (r === "exit") {
      const why = proc.lastWords();
      this.proc = null;
      return failedMeasurement(`client driver died: ${why}`);
    }
    const { type: _t, id: _i, ...m } = r;
    return m;
  }

  private async restart(): Promise<void> {
    const proc = this.proc;
    this.proc = null;
    proc?.kill();
    await proc?.exitedPromise;
  }

  stop(): Promise<void> {
    const proc = this.proc;
    this.proc = null;
    return proc ? proc.stop() : Promise.resolve();
  }

  kill(): void {
    this.proc?.kill();
  }
}
