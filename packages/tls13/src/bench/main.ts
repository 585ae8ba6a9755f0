// `npm run bench` in packages/tls13: node dist/bench/main.js [--json] [--quick] [--bulk-mib N] [--dos]
// --dos runs only the adversarial-handshake section (dos.ts), which otherwise follows the rest.

import { runBench } from "./bench.js";
import { renderDos, runDosBench } from "./dos.js";
import { hostileChainVerify } from "./hostile-chain.js";
import { renderText } from "./report.js";

const args = process.argv.slice(2);
const json = args.includes("--json");
const quick = args.includes("--quick");
const dosOnly = args.includes("--dos");
const mibAt = args.indexOf("--bulk-mib");
const bulkMib = mibAt >= 0 ? Number(args[mibAt + 1]) : undefined;
if (bulkMib !== undefined && !(bulkMib >= 0)) {
  process.stderr.write("bench: --bulk-mib needs a number of MiB\n");
  process.exit(2);
}
const log = (line: string) => process.stderr.write(`bench: ${line}\n`);

const report = dosOnly
  ? undefined
  : await runBench({
      quick,
      ...(bulkMib !== undefined ? { bulkBytes: bulkMib * 1048576 } : {}),
      log,
    });
const dos = runDosBench({ runs: quick ? 3 : 9, log });
// The identity engineer's hostile-chain scenario (x509 path building), printed after the table.
const hostileChain = hostileChainVerify(quick ? 20 : 200);
const hostileChainLine = `hostile chain vs normal chain verify: ${hostileChain.hostileUs.toFixed(1)} µs vs ${hostileChain.normalUs.toFixed(1)} µs CPU (×${hostileChain.ratio.toFixed(2)})`;
if (json)
  process.stdout.write(
    `${JSON.stringify({ ...(report ?? {}), dos, adversarial: { hostileChain } }, null, 2)}\n`,
  );
else
  process.stdout.write(
    `${report ? `${renderText(report)}\n\n` : ""}${renderDos(dos)}\n${hostileChainLine}\n`,
  );
process.exit(0);
