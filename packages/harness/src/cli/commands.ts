// Every `pqtls` command, in the order `pqtls --help` lists them. Add one line per command file.
import type { Command } from "commander";
import { register as registerBench } from "./bench.js";
import { register as registerCerts } from "./certs.js";
import { register as registerCleanup } from "./cleanup.js";
import { register as registerCluster } from "./cluster.js";
import { register as registerCompare } from "./compare.js";
import { register as registerConnect } from "./connect.js";
import { register as registerDoctor } from "./doctor.js";
import { register as registerLanes } from "./lanes.js";
import { register as registerLink } from "./link.js";
import { register as registerMerge } from "./merge.js";
import { register as registerPresets } from "./presets.js";
import { register as registerReport } from "./report.js";
import { register as registerRun } from "./run.js";
import { register as registerServe } from "./serve.js";

export type RegisterCommand = (program: Command) => void;

export const commands: RegisterCommand[] = [
  registerRun,
  registerPresets,
  registerReport,
  registerMerge,
  registerCluster,
  registerCompare,
  registerDoctor,
  registerLink,
  registerLanes,
  registerCleanup,
  registerBench,
  registerServe,
  registerConnect,
  registerCerts,
];
