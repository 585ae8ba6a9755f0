// Progress on stderr: a cli-progress bar on a terminal (cells done, samples, rate, ETA), a line per
// finished link group otherwise, nothing with --quiet.

import cliProgress from "cli-progress";
import { formatDuration } from "../units.js";

const LINE_INTERVAL_MS = 30_000;

export interface Status {
  samples: number;
  total: number;
  cells: number;
  cellsTotal: number;
  failed: number;
  elapsedMs: number;
}

/**
 * A non-terminal progress line (nohup, CI logs): counts, rate, elapsed time and an ETA from the
 * rate so far ("ETA –" before the first sample).
 */
export function statusLine(s: Status): string {
  const secs = s.elapsedMs / 1000;
  const rate = secs > 0 ? s.samples / secs : 0;
  const eta = rate > 0 ? formatDuration((s.total - s.samples) / rate) : "–";
  return `samples ${s.samples}/${s.total}, cells ${s.cells}/${s.cellsTotal}, ${rate.toFixed(1)} conn/s, failed ${s.failed}, elapsed ${formatDuration(secs)}, ETA ${eta}`;
}

export class Progress {
  private readonly bar: cliProgress.SingleBar | null;
  private samples = 0;
  private cells = 0;
  private failed = 0;
  private readonly started = Date.now();
  private lastLine = Date.now();

  constructor(
    private total: number,
    private readonly cellsTotal: number,
    cellsAlreadyDone: number,
    private readonly mode: "bar" | "lines" | "quiet",
  ) {
    this.cells = cellsAlreadyDone;
    this.bar =
      mode === "bar"
        ? new cliProgress.SingleBar(
            {
              format:
                "{bar} {percentage}% | cells {cells}/{cellsTotal} | samples {value}/{total} | {rate} conn/s | failed {failed} | ETA {eta_formatted}",
              hideCursor: true,
              etaBuffer: 50,
              fps: 5,
            },
            cliProgress.Presets.shades_classic,
          )
        : null;
    this.bar?.start(total, 0, this.payload());
  }

  private payload() {
    const secs = (Date.now() - this.started) / 1000;
    return {
      cells: this.cells,
      cellsTotal: this.cellsTotal,
      rate: secs > 0 ? (this.samples / secs).toFixed(1) : "0.0",
      failed: this.failed,
    };
  }

  /** One sample recorded; `cellComplete` when it was the cell's last. */
  sample(ok: boolean, cellComplete: boolean): void {
    this.samples++;
    if (!ok) this.failed++;
    if (cellComplete) this.cells++;
    this.bar?.update(this.samples, this.payload());
    // Without a terminal, a status line now and then shows a long run is alive.
    if (this.mode === "lines" && Date.now() - this.lastLine >= LINE_INTERVAL_MS) {
      this.lastLine = Date.now();
      process.stderr.write(
        `${statusLine({
          samples: this.samples,
          total: this.total,
          cells: this.cells,
          cellsTotal: this.cellsTotal,
          failed: this.failed,
          elapsedMs: Date.now() - this.started,
        })}\n`,
      );
    }
  }

  /** Samples that will not be taken after all (an adaptive run's comparison stopped), and the cells that completes. */
  skip(samples: number, cells: number): void {
    this.total -= samples;
    this.cells += cells;
    this.bar?.setTotal(this.total);
    this.bar?.update(this.samples, this.payload());
  }

  /** A line in lines mode (e.g. a finished group); above the bar in bar mode. */
  note(line: string): void {
    if (this.mode === "lines") process.stderr.write(`${line}\n`);
  }

  stop(): void {
    this.bar?.stop();
  }
}
