// `npm run bench` in packages/tls13: node dist/bench/main.js [--json] [--quick] [--bulk-mib N]

import { runBench } from "./bench.js";
import { hostileChainVerify } from "./hostile-chain.js";
import { renderText } from "./report.js";

const args = process.argv.slice(2);
const json = args.includes("--json");
const quick = args.includes("--quick");
const mibAt = args.indexOf("--bulk-mib");
const bulkMib = mibAt >= 0 ? Number(args[mibAt + 1]) : undefined;
if (bulkMib !== undefined && !(bulkMib >= 0)) {
  process.stderr.write("bench: --bulk-mib needs a number of MiB\n");
  process.exit(2);
}

const report = await runBench({
  quick,
  ...(bulkMib !== undefined ? { bulkBytes: bulkMib * 1048576 } : {}),
  log: (line) => process.stderr.write(`bench: ${line}\n`),
});
// Adversarial scenarios (issue 13), printed after the main report.
const hostileChain = hostileChainVerify(quick ? 20 : 200);
const adversarial = [
  `hostile chain vs normal chain verify: ${hostileChain.hostileUs.toFixed(1)} µs vs ${hostileChain.normalUs.toFixed(1)} µs CPU (×${hostileChain.ratio.toFixed(2)})`,
];
process.stdout.write(
  json
    ? `${JSON.stringify({ ...report, adversarial: { hostileChain } }, null, 2)}\n`
    : `${renderText(report)}\n${adversarial.join("\n")}\n`,
);
process.exit(0);
