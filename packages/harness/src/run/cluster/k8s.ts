// Kubernetes Indexed Jobs: the manifests `pqtls cluster k8s` prints. A PersistentVolumeClaim holds the
// results; an Indexed Job runs one pod per shard (JOB_COMPLETION_INDEX → `--shard env`, with
// PQTLS_SHARDS = completions), each writing /results/shard-K.jsonl and, on success, a marker; a merge
// Job waits for every marker, then merges and writes the report. Kubernetes has no job dependencies,
// so the merge Job waits itself, bounded by activeDeadlineSeconds.
//
// What the pods need from the cluster: network namespaces, veth pairs, tc qdiscs and a TUN device
// inside the pod need a privileged container (at least CAP_NET_ADMIN + CAP_SYS_ADMIN and
// /dev/net/tun); the link emulation needs the node kernel's sch_netem module, or /dev/net/tun for the
// userspace relay (`--link tun`). Timings must not share cores: whole CPUs requested = limits
// (Guaranteed QoS; with the static CPU manager policy the kubelet pins them).

import type { IJob } from "kubernetes-models/batch/v1";
import type { IPersistentVolumeClaim } from "kubernetes-models/v1/PersistentVolumeClaim";
import type { IPodTemplateSpec } from "kubernetes-models/v1/PodTemplateSpec";

export interface K8sOptions {
  tasks: number;
  image: string;
  namespace: string;
  /** Pods running at once (default: all). */
  parallelism: number;
  /** `pqtls run` options, without --out, --shard, --resume. */
  runArgs: string[];
  /** Name prefix of the Jobs and the claim. */
  name: string;
  /** Whole CPUs per pod (requests = limits). */
  cpus: number;
  /** Size of the results claim, e.g. "10Gi". */
  storage: string;
  /** Seconds the merge Job waits for the shards before giving up. */
  mergeDeadline: number;
}

// The Kubernetes API types (kubernetes-models, a dev dependency: types only, nothing at run time)
// make the compiler refuse a misspelt or misplaced field; the tests validate against the schema too.
export type Manifest = IPersistentVolumeClaim | IJob;

const RESULTS = "/results";

/** A POSIX sh word. */
function sq(word: string): string {
  return /^[A-Za-z0-9_@%+=:,./-]+$/.test(word) ? word : `'${word.replace(/'/g, `'\\''`)}'`;
}

/** The shard pod's script: resume an earlier attempt's file, record success for the merge Job. */
export function shardScript(runArgs: string[]): string {
  return [
    "set -u",
    `out=${RESULTS}/shard-$JOB_COMPLETION_INDEX.jsonl`,
    'resume=""; if [ -s "$out" ]; then resume=--resume; fi',
    `pqtls run ${runArgs.map(sq).join(" ")} --shard env --out "$out" --no-report $resume`,
    "rc=$?",
    `if [ "$rc" = 0 ]; then mkdir -p ${RESULTS}/done && touch ${RESULTS}/done/$JOB_COMPLETION_INDEX; fi`,
    'exit "$rc"',
  ].join("\n");
}

export function mergeScript(tasks: number): string {
  return [
    "set -eu",
    `until [ "$(ls ${RESULTS}/done 2>/dev/null | wc -l)" -ge ${tasks} ]; do sleep 30; done`,
    `pqtls merge -o ${RESULTS}/results.jsonl ${RESULTS}/shard-*.jsonl`,
    `pqtls report ${RESULTS}/results.jsonl -o ${RESULTS}/report.md`,
  ].join("\n");
}

function resultsVolume(o: K8sOptions) {
  return { name: "results", persistentVolumeClaim: { claimName: `${o.name}-results` } };
}

/** The privileged shard container and the host paths it needs. */
function shardPod(o: K8sOptions): IPodTemplateSpec {
  const cpu = String(o.cpus);
  return {
    metadata: { labels: { app: o.name, role: "shard" } },
    spec: {
      restartPolicy: "Never",
      containers: [
        {
          name: "shard",
          image: o.image,
          command: ["/bin/sh", "-c", shardScript(o.runArgs)],
          env: [{ name: "PQTLS_SHARDS", value: String(o.tasks) }],
          securityContext: {
            // ip netns, veth, tc and /dev/net/tun: NET_ADMIN and SYS_ADMIN are the minimum, but
            // mounting network namespaces (ip netns add) also needs an unconfined mount propagation.
            privileged: true,
            capabilities: { add: ["NET_ADMIN", "SYS_ADMIN"] },
          },
          resources: { requests: { cpu, memory: "2Gi" }, limits: { cpu, memory: "2Gi" } },
          volumeMounts: [
            { name: "results", mountPath: RESULTS },
            { name: "tun", mountPath: "/dev/net/tun" },
            { name: "modules", mountPath: "/lib/modules", readOnly: true },
          ],
        },
      ],
      volumes: [
        resultsVolume(o),
        { name: "tun", hostPath: { path: "/dev/net/tun", type: "CharDevice" } },
        { name: "modules", hostPath: { path: "/lib/modules", type: "Directory" } },
      ],
      // One shard per node where possible: shards on one node would share its cores and memory bus.
      affinity: {
        podAntiAffinity: {
          preferredDuringSchedulingIgnoredDuringExecution: [
            {
              weight: 100,
              podAffinityTerm: {
                topologyKey: "kubernetes.io/hostname",
                labelSelector: { matchLabels: { app: o.name, role: "shard" } },
              },
            },
          ],
        },
      },
    },
  };
}

/** The claim, the Indexed Job and the merge Job, in the order to apply them. */
export function k8sManifests(o: K8sOptions): Manifest[] {
  const labels = { app: o.name };
  const claim: IPersistentVolumeClaim = {
    apiVersion: "v1",
    kind: "PersistentVolumeClaim",
    metadata: { name: `${o.name}-results`, namespace: o.namespace, labels },
    // Pods on many nodes write to it: ReadWriteMany (NFS, CephFS, a cloud file store).
    spec: { accessModes: ["ReadWriteMany"], resources: { requests: { storage: o.storage } } },
  };
  const run: IJob = {
    apiVersion: "batch/v1",
    kind: "Job",
    metadata: { name: `${o.name}-run`, namespace: o.namespace, labels },
    spec: {
      completionMode: "Indexed",
      completions: o.tasks,
      parallelism: o.parallelism,
      // A failed index is retried on its own (resume completes its file); others are unaffected.
      backoffLimitPerIndex: 2,
      maxFailedIndexes: o.tasks,
      template: shardPod(o),
    },
  };
  const merge: IJob = {
    apiVersion: "batch/v1",
    kind: "Job",
    metadata: { name: `${o.name}-merge`, namespace: o.namespace, labels },
    spec: {
      backoffLimit: 1,
      activeDeadlineSeconds: o.mergeDeadline,
      template: {
        metadata: { labels: { app: o.name, role: "merge" } },
        spec: {
          restartPolicy: "Never",
          containers: [
            {
              name: "merge",
              image: o.image,
              command: ["/bin/sh", "-c", mergeScript(o.tasks)],
              resources: { requests: { cpu: "1", memory: "2Gi" }, limits: { memory: "4Gi" } },
              volumeMounts: [{ name: "results", mountPath: RESULTS }],
            },
          ],
          volumes: [resultsVolume(o)],
        },
      },
    },
  };
  return [claim, run, merge];
}
