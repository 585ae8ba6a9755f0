// A one-node Slurm cluster for tests, brought up by hand in a temporary directory (no systemd): its
// own munged (own key and socket), slurmctld and `slurmd -N <node>` with a generated slurm.conf on
// free ports, so it touches nothing of the host's. stop() cancels its jobs and stops every daemon it
// started, by pid.
import { type ChildProcess, execFileSync, spawn, spawnSync } from "node:child_process";
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { join } from "node:path";

const NODE = "pqtlsnode";
const BINARIES = ["munged", "mungekey", "slurmctld", "slurmd", "sbatch", "squeue", "scancel", "sinfo"];

/** Why the cluster cannot come up here, or null. */
export function slurmUnavailable(): string | null {
  if (process.getuid?.() !== 0) return "not root (slurmd and the shards' namespaces need it)";
  const missing = BINARIES.filter((b) => spawnSync("which", [b]).status !== 0);
  if (missing.length > 0)
    return `no ${missing.join(", ")} (apt-get install slurmctld slurmd slurm-client munge)`;
  return null;
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once("error", reject);
    s.listen(0, "127.0.0.1", () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
  });
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export class SlurmCluster {
  private readonly daemons: { name: string; child: ChildProcess }[] = [];

  private constructor(
    readonly dir: string,
    /** Environment for Slurm clients (SLURM_CONF points at this cluster). */
    readonly env: NodeJS.ProcessEnv,
  ) {}

  static async start(): Promise<SlurmCluster> {
    const dir = mkdtempSync("/tmp/pqtls-slurm-");
    chmodSync(dir, 0o755);
    for (const d of ["munge", "state", "spool", "log"]) mkdirSync(join(dir, d), { recursive: true });
    chmodSync(join(dir, "munge"), 0o711); // munged wants its socket directory not writable by others
    const socket = join(dir, "munge", "sock");
    const conf = join(dir, "slurm.conf");
    const [ctldPort, dPort] = [await freePort(), await freePort()];
    writeFileSync(
      conf,
      [
        "ClusterName=pqtlstest",
        "SlurmctldHost=localhost(127.0.0.1)",
        `SlurmctldPort=${ctldPort}`,
        `SlurmdPort=${dPort}`,
        "AuthType=auth/munge",
        "CredType=cred/munge",
        `AuthInfo=socket=${socket}`,
        "SlurmUser=root",
        "SlurmdUser=root",
        "ProctrackType=proctrack/linuxproc",
        "TaskPlugin=task/none",
        "SelectType=select/cons_tres",
        "SelectTypeParameters=CR_Core",
        "AccountingStorageType=accounting_storage/none",
        "JobAcctGatherType=jobacct_gather/none",
        "JobCompType=jobcomp/none",
        "MpiDefault=none",
        "ReturnToService=2",
        "MinJobAge=3600",
        "KillWait=30",
        `StateSaveLocation=${join(dir, "state")}`,
        `SlurmdSpoolDir=${join(dir, "spool")}`,
        `SlurmctldPidFile=${join(dir, "slurmctld.pid")}`,
        `SlurmdPidFile=${join(dir, "slurmd.pid")}`,
        `SlurmctldLogFile=${join(dir, "log", "slurmctld.log")}`,
        `SlurmdLogFile=${join(dir, "log", "slurmd.log")}`,
        `NodeName=${NODE} NodeAddr=127.0.0.1 CPUs=2 State=UNKNOWN`,
        "PartitionName=debug Nodes=ALL Default=YES MaxTime=INFINITE State=UP",
        "",
      ].join("\n"),
    );
    const cluster = new SlurmCluster(dir, { ...process.env, SLURM_CONF: conf });
    try {
      execFileSync("mungekey", ["-c", "-k", join(dir, "munge", "munge.key")], { stdio: "pipe" });
      cluster.daemon("munged", "munged", [
        "-F",
        "-f",
        `--key-file=${join(dir, "munge", "munge.key")}`,
        `--socket=${socket}`,
        `--pid-file=${join(dir, "munge", "munged.pid")}`,
        `--log-file=${join(dir, "log", "munged.log")}`,
        `--seed-file=${join(dir, "munge", "seed")}`,
      ]);
      await cluster.until("munged's socket", () => existsSync(socket));
      cluster.daemon("slurmctld", "slurmctld", ["-D", "-f", conf]);
      await cluster.until("slurmctld", () => cluster.client("sinfo", ["-h"]).status === 0);
      cluster.daemon("slurmd", "slurmd", ["-D", "-N", NODE, "-f", conf]);
      await cluster.until("the node to be idle", () =>
        /idle/.test(cluster.client("sinfo", ["-h", "-o", "%T"]).stdout),
      );
    } catch (err) {
      await cluster.stop();
      throw err;
    }
    return cluster;
  }

  private daemon(name: string, cmd: string, args: string[]): void {
    const child = spawn(cmd, args, { env: this.env, stdio: ["ignore", "pipe", "pipe"] });
    let output = "";
    child.stdout?.on("data", (d) => (output += d));
    child.stderr?.on("data", (d) => (output += d));
    child.on("exit", (code, signal) => {
      if (!this.stopping)
        writeFileSync(join(this.dir, "log", `${name}.exit`), `${code ?? signal}\n${output}`);
    });
    this.daemons.push({ name, child });
  }

  private stopping = false;

  private async until(what: string, ready: () => boolean, timeoutMs = 60_000): Promise<void> {
    const end = Date.now() + timeoutMs;
    while (!ready()) {
      const dead = this.daemons.find((d) => d.child.exitCode !== null || d.child.signalCode !== null);
      if (dead) throw new Error(`${dead.name} exited: ${this.log(dead.name)}`);
      if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
      await sleep(250);
    }
  }

  private log(name: string): string {
    const file = join(this.dir, "log", `${name}.exit`);
    return existsSync(file) ? readFileSync(file, "utf8").slice(0, 2000) : "(no output)";
  }

  /** Runs a Slurm client against this cluster. */
  client(cmd: string, args: string[]): { status: number | null; stdout: string; stderr: string } {
    const r = spawnSync(cmd, args, { env: this.env, encoding: "utf8", timeout: 30_000 });
    return { status: r.status, stdout: r.stdout ?? "", stderr: r.stderr ?? "" };
  }

  /** Cancels every job, waits (bounded) for them to leave, then stops the daemons by pid. */
  async stop(): Promise<void> {
    if (this.daemons.some((d) => d.name === "slurmctld")) {
      const ids = this.client("squeue", ["-h", "-o", "%A"]).stdout.split("\n").filter(Boolean);
      if (ids.length > 0) this.client("scancel", [...new Set(ids)]);
      const end = Date.now() + 60_000;
      while (Date.now() < end && this.client("squeue", ["-h"]).stdout.trim() !== "") await sleep(500);
    }
    this.stopping = true;
    for (const d of [...this.daemons].reverse()) {
      if (d.child.exitCode !== null || d.child.signalCode !== null) continue;
      const exited = new Promise((r) => d.child.once("exit", r));
      d.child.kill("SIGTERM");
      const killed = await Promise.race([exited.then(() => true), sleep(10_000).then(() => false)]);
      if (!killed) {
        d.child.kill("SIGKILL");
        await exited;
      }
    }
    this.daemons.length = 0;
  }

  /** Removes the cluster's directory (after stop). */
  remove(): void {
    rmSync(this.dir, { recursive: true, force: true });
  }
}
