// Measurements across a lane, for `pqtls link check` and the link tests: RTT (ping), goodput (a TCP
// bulk transfer), one-way loss (UDP datagrams) and the time to fetch N bytes on a fresh TCP connection.
// The endpoints are small Node programs run inside the lane's namespaces (node -e), so nothing needs
// to be installed beyond ping.
import type { ChildProcess } from "node:child_process";
import { UserError } from "../errors.js";
import type { Lane } from "./lane.js";

/** The endpoint programs. argv: [node, mode, ...]. Each prints one JSON line when it is done. */
const PROBE_SOURCE = String.raw`
import net from "node:net";
import dgram from "node:dgram";
const [mode, ...a] = process.argv.slice(1);
const now = () => Number(process.hrtime.bigint()) / 1e6;
const out = (o) => process.stdout.write(JSON.stringify(o) + "\n");
if (mode === "bulk-server") {
  // Sends as fast as TCP allows for a.seconds, then closes.
  const [host, port, seconds] = [a[0], Number(a[1]), Number(a[2])];
  const chunk = Buffer.alloc(256 * 1024, 7);
  const srv = net.createServer((s) => {
    const end = now() + seconds * 1000;
    const pump = () => {
      while (now() < end) if (!s.write(chunk)) return void s.once("drain", pump);
      s.end();
    };
    s.on("error", () => {});
    pump();
    s.on("close", () => srv.close());
  });
  srv.listen(port, host, () => out({ ready: true }));
} else if (mode === "bulk-client") {
  // Receives for warmupMs (slow start, queue filling: not counted) then measureMs; reports and hangs up.
  const [host, port, warmupMs, measureMs] = [a[0], Number(a[1]), Number(a[2]), Number(a[3])];
  let first = null, bytes = 0, windowStart = null, windowBytes = 0, last = 0, done = false;
  const s = net.connect(port, host);
  const report = () => {
    if (done) return;
    done = true;
    out({ bytes, windowBytes, windowMs: last - (windowStart ?? last) });
    s.destroy();
  };
  s.on("data", (d) => {
    const t = now();
    if (first === null) first = t;
    bytes += d.length;
    if (windowStart === null) {
      if (t - first >= warmupMs) windowStart = t;
    } else {
      windowBytes += d.length;
      last = t;
      if (t - windowStart >= measureMs) report();
    }
  });
  s.on("end", report);
  s.on("error", (e) => { if (!done) { out({ error: e.message }); process.exit(1); } });
} else if (mode === "fetch-server") {
  // Writes n bytes on every new connection, then closes it.
  const [host, port, n] = [a[0], Number(a[1]), Number(a[2])];
  const body = Buffer.alloc(n, 7);
  const srv = net.createServer((s) => { s.on("error", () => {}); s.end(body); });
  srv.listen(port, host, () => out({ ready: true }));
} else if (mode === "fetch-client") {
  // Times connect() → last byte of n bytes, count times, on fresh connections.
  const [host, port, n, count, gapMs] = [a[0], Number(a[1]), Number(a[2]), Number(a[3]), Number(a[4])];
  const times = [];
  const once = () => new Promise((resolve, reject) => {
    const t0 = now();
    let got = 0;
    const s = net.connect(port, host);
    s.on("data", (d) => { got += d.length; if (got >= n) { times.push(now() - t0); s.destroy(); resolve(); } });
    s.on("error", reject);
    s.on("end", () => { if (got < n) reject(new Error("short read " + got)); });
  });
  for (let i = 0; i < count; i++) {
    await once();
    await new Promise((r) => setTimeout(r, gapMs));
  }
  out({ times });
} else if (mode === "udp-sink") {
  // Counts distinct datagrams (of expected, numbered from 0) until idle for idleMs after the last one,
  // and the runs of consecutive missing numbers (loss bursts).
  const [host, port, idleMs, expected] = [a[0], Number(a[1]), Number(a[2]), Number(a[3])];
  const seen = new Set();
  let timer = null;
  // A large receive buffer: a busy machine must not turn a late reader into "link loss".
  const sock = dgram.createSocket({ type: "udp4", recvBufferSize: 8 * 1024 * 1024 });
  const finish = () => {
    let bursts = 0;
    for (let i = 0; i < expected; i++) if (!seen.has(i) && (i === 0 || seen.has(i - 1))) bursts++;
    out({ received: seen.size, bursts });
    sock.close();
  };
  sock.on("message", (m) => {
    seen.add(m.readUInt32BE(0));
    clearTimeout(timer);
    timer = setTimeout(finish, idleMs);
  });
  sock.bind(port, host, () => out({ ready: true }));
} else if (mode === "udp-source") {
  // Sends count datagrams of size bytes, one every gapUs on average (in small bursts).
  const [host, port, count, size, gapUs] = [a[0], Number(a[1]), Number(a[2]), Number(a[3]), Number(a[4])];
  const sock = dgram.createSocket("udp4");
  const start = now();
  for (let i = 0; i < count; i++) {
    const buf = Buffer.alloc(size);
    buf.writeUInt32BE(i, 0);
    await new Promise((r) => sock.send(buf, port, host, r));
    const due = start + ((i + 1) * gapUs) / 1000;
    const wait = due - now();
    if (wait > 1) await new Promise((r) => setTimeout(r, wait));
  }
  out({ sent: count });
  sock.close();
} else {
  process.stderr.write("unknown probe mode " + mode + "\n");
  process.exit(2);
}
`;

function startProbe(lane: Lane, side: "client" | "server", args: Array<string | number>): ChildProcess {
  return lane.spawn(
    side,
    process.execPath,
    ["--input-type=module", "-e", PROBE_SOURCE, ...args.map(String)],
    {
      stdio: ["ignore", "pipe", "pipe"],
    },
  );
}

/** Resolves with the probe's next JSON line; rejects on exit without one or after timeoutMs. */
function nextJson<T>(child: ChildProcess, timeoutMs: number, what: string): Promise<T> {
  return new Promise((resolve, reject) => {
    let buf = "";
    let err = "";
    const timer = setTimeout(() => {
      child.kill("SIGKILL");
      reject(new Error(`${what}: no answer within ${timeoutMs} ms`));
    }, timeoutMs);
    const onData = (d: Buffer) => {
      buf += d;
      const nl = buf.indexOf("\n");
      if (nl < 0) return;
      clearTimeout(timer);
      child.stdout!.off("data", onData);
      const line = buf.slice(0, nl);
      const parsed = JSON.parse(line) as T & { error?: string };
      if (parsed.error) reject(new Error(`${what}: ${parsed.error}`));
      else resolve(parsed);
    };
    child.stdout!.on("data", onData);
    child.stderr!.on("data", (d) => {
      err += d;
    });
    child.once("exit", (code) => {
      clearTimeout(timer);
      setImmediate(() => reject(new Error(`${what}: exited (${code}) ${err.trim().split("\n")[0] ?? ""}`)));
    });
  });
}

let nextPort = 20000 + (process.pid % 20000);
function freshPort(): number {
  nextPort = nextPort >= 60000 ? 20000 : nextPort + 1;
  return nextPort;
}

export interface PingResult {
  sent: number;
  received: number;
  rttsMs: number[];
  medianMs: number;
  avgMs: number;
}

export function median(values: number[]): number {
  const s = [...values].sort((a, b) => a - b);
  if (s.length === 0) return Number.NaN;
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

/** ping from the client to the server: per-packet RTTs (ms), median and ping's own average (3 decimals). */
export async function measurePing(
  lane: Lane,
  o: { count: number; intervalS: number; size?: number },
): Promise<PingResult> {
  const args = ["-n", "-c", String(o.count), "-i", String(o.intervalS), "-W", "5"];
  if (o.size !== undefined) args.push("-s", String(o.size));
  const child = lane.spawn("client", "ping", [...args, lane.server.addr], {
    stdio: ["ignore", "pipe", "pipe"],
  });
  let stdout = "";
  let stderr = "";
  child.stdout!.on("data", (d) => {
    stdout += d;
  });
  child.stderr!.on("data", (d) => {
    stderr += d;
  });
  const code = await new Promise<number | null>((resolve, reject) => {
    child.once("error", (e) =>
      reject(
        (e as NodeJS.ErrnoException).code === "ENOENT"
          ? new UserError("ping not found: apt-get install iputils-ping")
          : e,
      ),
    );
    child.once("close", resolve);
  });
  if (/exec of "ping" failed|No such file/.test(stderr))
    throw new UserError("ping not found: apt-get install iputils-ping");
  const rttsMs = [...stdout.matchAll(/time=([\d.]+) ms/g)].map((m) => Number(m[1]));
  const summary = /= ([\d.]+)\/([\d.]+)\/([\d.]+)\/([\d.]+) ms/.exec(stdout);
  const tx = /(\d+) packets transmitted, (\d+) received/.exec(stdout);
  if (!tx) throw new Error(`ping failed (exit ${code}): ${stderr.trim().split("\n")[0] ?? ""}`);
  return {
    sent: Number(tx[1]),
    received: Number(tx[2]),
    rttsMs,
    medianMs: median(rttsMs),
    avgMs: summary ? Number(summary[2]) : Number.NaN,
  };
}

export interface GoodputResult {
  mbps: number;
  windowBytes: number;
  windowMs: number;
  totalBytes: number;
}

/**
 * The TCP probes' pattern: `<kind>-server` on a fresh port in the server namespace (its ready line
 * within 10 s), then `<kind>-client` against it; the client's JSON answer within clientTimeoutMs.
 * The server is killed in every case.
 */
async function serverThenClient<T>(
  lane: Lane,
  kind: "bulk" | "fetch",
  serverArgs: Array<string | number>,
  clientArgs: Array<string | number>,
  clientTimeoutMs: number,
): Promise<T> {
  const port = freshPort();
  const server = startProbe(lane, "server", [`${kind}-server`, lane.server.addr, port, ...serverArgs]);
  try {
    await nextJson(server, 10_000, `${kind} server`);
    const client = startProbe(lane, "client", [`${kind}-client`, lane.server.addr, port, ...clientArgs]);
    return await nextJson<T>(client, clientTimeoutMs, `${kind} client`);
  } finally {
    server.kill("SIGKILL");
  }
}

/** A TCP bulk transfer server → client; goodput over `measureMs` after `warmupMs` (slow start excluded). */
export async function measureGoodput(
  lane: Lane,
  o: { warmupMs: number; measureMs: number },
): Promise<GoodputResult> {
  // The sender stops on its own well after the receiver has hung up.
  const seconds = (o.warmupMs + o.measureMs) / 1000 + 30;
  const r = await serverThenClient<{ bytes: number; windowBytes: number; windowMs: number }>(
    lane,
    "bulk",
    [seconds],
    [o.warmupMs, o.measureMs],
    o.warmupMs + o.measureMs + 30_000,
  );
  return {
    mbps: (r.windowBytes * 8) / (r.windowMs * 1000),
    windowBytes: r.windowBytes,
    windowMs: r.windowMs,
    totalBytes: r.bytes,
  };
}

/** Times connect() → last byte of `bytes`, `count` times on fresh connections (ms each). */
export async function measureFetch(
  lane: Lane,
  o: { bytes: number; count: number; gapMs?: number },
): Promise<number[]> {
  const r = await serverThenClient<{ times: number[] }>(
    lane,
    "fetch",
    [o.bytes],
    [o.bytes, o.count, o.gapMs ?? 100],
    120_000,
  );
  return r.times;
}

export interface LossResult {
  sent: number;
  received: number;
  lossPct: number;
  /** Runs of consecutive lost datagrams: lost / bursts is the mean loss burst length. */
  bursts: number;
}

/** One-way (up) loss: `count` UDP datagrams client → server. */
export async function measureLoss(
  lane: Lane,
  o: { count: number; size?: number; gapUs?: number; idleMs?: number },
): Promise<LossResult> {
  const port = freshPort();
  const sink = startProbe(lane, "server", ["udp-sink", lane.server.addr, port, o.idleMs ?? 1000, o.count]);
  try {
    await nextJson(sink, 10_000, "udp sink");
    const result = nextJson<{ received: number; bursts: number }>(sink, 120_000, "udp sink");
    const source = startProbe(lane, "client", [
      "udp-source",
      lane.server.addr,
      port,
      o.count,
      o.size ?? 200,
      o.gapUs ?? 200,
    ]);
    await nextJson(source, 120_000, "udp source");
    const { received, bursts } = await result;
    return { sent: o.count, received, lossPct: (100 * (o.count - received)) / o.count, bursts };
  } finally {
    sink.kill("SIGKILL");
  }
}
