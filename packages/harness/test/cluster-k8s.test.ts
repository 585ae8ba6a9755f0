// `pqtls cluster k8s`: the printed manifests validate against the Kubernetes API schema of their kinds
// (kubernetes-models), survive a YAML round trip, and map completion index K to shard K of N.
// No cluster runs here (Debian 12 has no k3s, kind or minikube), so the pod's script is run by sh
// with the index Kubernetes would set, in --dry-run form.
import { spawnSync } from "node:child_process";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { Job } from "kubernetes-models/batch/v1";
import { PersistentVolumeClaim } from "kubernetes-models/v1";
import { describe, expect, it } from "vitest";
import { parseAllDocuments, stringify } from "yaml";
import { shardConfig } from "../src/bench/synthetic-shards.js";
import { k8sManifests } from "../src/run/cluster/k8s.js";
import { buildPlan } from "../src/run/plan.js";
import { partitionPlan } from "../src/run/shard.js";

const here = dirname(fileURLToPath(import.meta.url));
const bin = join(here, "..", "dist", "cli", "main.js");
const TASKS = 6;

function pqtls(...args: string[]) {
  const r = spawnSync(process.execPath, [bin, ...args], { encoding: "utf8", timeout: 60_000 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

// biome-ignore lint/suspicious/noExplicitAny: parsed YAML documents, checked by the schema validators
type Json = Record<string, any>;

const printed = pqtls(
  "cluster",
  "k8s",
  "--preset",
  "quick",
  "--samples",
  "4",
  "--tasks",
  String(TASKS),
  "--image",
  "registry.example/pqtls:0.1.0",
  "--namespace",
  "experiments",
  "--parallelism",
  "3",
);
const docs = parseAllDocuments(printed.stdout).map((d) => d.toJS() as Json);
const [claim, run, merge] = docs;

describe("pqtls cluster k8s", () => {
  it("prints a claim, an Indexed Job and a merge Job", () => {
    expect(printed.code, printed.stderr).toBe(0);
    expect(docs.map((d) => `${d.apiVersion} ${d.kind}`)).toEqual([
      "v1 PersistentVolumeClaim",
      "batch/v1 Job",
      "batch/v1 Job",
    ]);
  });

  it("validates against the Kubernetes API schema for each kind", () => {
    expect(() => new PersistentVolumeClaim(claim as never).validate()).not.toThrow();
    expect(() => new Job(run as never).validate()).not.toThrow();
    expect(() => new Job(merge as never).validate()).not.toThrow();
    // The schema does refuse a wrong value, so the checks above can fail.
    const broken = structuredClone(run);
    broken.spec.completionMode = "indexed";
    expect(() => new Job(broken as never).validate()).toThrow(/completionMode/);
    const broken2 = structuredClone(run);
    broken2.spec.template.spec.containers[0].securityContext.privileged = "yes";
    expect(() => new Job(broken2 as never).validate()).toThrow(/privileged/);
  });

  it("round-trips through YAML unchanged", () => {
    for (const doc of docs) expect(parseAllDocuments(stringify(doc))[0].toJS()).toEqual(doc);
    const again = k8sManifests({
      tasks: TASKS,
      image: "registry.example/pqtls:0.1.0",
      namespace: "experiments",
      parallelism: 3,
      runArgs: ["--preset", "quick", "--samples", "4"],
      name: "pqtls",
      cpus: 2,
      storage: "10Gi",
      mergeDeadline: 7 * 24 * 3600,
    });
    expect(docs).toEqual(JSON.parse(JSON.stringify(again)));
  });

  it("runs N indexed, privileged pods sharing one results volume", () => {
    expect(run.spec).toMatchObject({
      completionMode: "Indexed",
      completions: TASKS,
      parallelism: 3,
      backoffLimitPerIndex: 2,
    });
    const pod = run.spec.template.spec;
    const container = pod.containers[0];
    expect(container.securityContext.privileged).toBe(true);
    expect(container.env).toContainEqual({ name: "PQTLS_SHARDS", value: String(TASKS) });
    expect(container.command.join(" ")).toContain("--shard env");
    expect(pod.volumes).toContainEqual({
      name: "results",
      persistentVolumeClaim: { claimName: claim.metadata.name },
    });
    expect(pod.volumes).toContainEqual({
      name: "tun",
      hostPath: { path: "/dev/net/tun", type: "CharDevice" },
    });
    expect(merge.spec.template.spec.volumes).toContainEqual(pod.volumes[0]);
    expect(claim.spec.accessModes).toEqual(["ReadWriteMany"]);
    for (const d of docs) expect(d.metadata.namespace).toBe("experiments");
  });

  it("maps completion index K to shard K of N, through the pod's own script", () => {
    // The pod's script with `pqtls` → this build and --dry-run, run by sh with Kubernetes' variables.
    const script = run.spec.template.spec.containers[0].command[2] as string;
    const dry = script
      .replace(/^pqtls run /m, `"${process.execPath}" "${bin}" run --dry-run `)
      .replace(/^out=\/results\//m, "out=/nonexistent/");
    const plan = buildPlan(shardConfig("quick", { samples: 4 }));
    const partition = partitionPlan(plan, TASKS);
    for (let k = 0; k < TASKS; k++) {
      const r = spawnSync("sh", ["-c", dry], {
        encoding: "utf8",
        env: { ...process.env, JOB_COMPLETION_INDEX: String(k), PQTLS_SHARDS: String(TASKS) },
      });
      expect(r.status, r.stderr).toBe(0);
      const own = partition[k].reduce((s, p) => s + p.group.cells.length * (p.toRound - p.fromRound), 0);
      expect(r.stdout).toContain(`shard ${k}/${TASKS} of plan `);
      expect(r.stdout).toContain(`: ${own} of ${plan.connections} recorded connections`);
    }
  });

  it("refuses run options it sets itself, and bad run options, in one line", () => {
    const own = pqtls("cluster", "k8s", "--tasks", "2", "--image", "i", "--out", "x.jsonl");
    expect(own.code).not.toBe(0);
    expect(own.stderr.trim()).toBe("pqtls: --out is set by pqtls cluster for each shard; leave it out");
    const bad = pqtls("cluster", "k8s", "--tasks", "2", "--image", "i", "--samples", "many");
    expect(bad.code).not.toBe(0);
    expect(bad.stderr.trim().split("\n")).toHaveLength(1);
    expect(bad.stderr).toMatch(/^pqtls: run options: .*samples/);
  });
});
