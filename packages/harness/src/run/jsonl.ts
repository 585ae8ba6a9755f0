// The results file: JSONL, the meta line first, then one row per connection, appended as it
// finishes. Each row is one write(2) of a whole line, so an interrupted run leaves whole lines in the
// page cache; fdatasync runs at most every SYNC_INTERVAL_MS and on close, so a power cut loses at most
// that much. Resuming reads back which (cell, sample) pairs exist and drops a torn last line.

import {
  closeSync,
  existsSync,
  fdatasyncSync,
  ftruncateSync,
  openSync,
  readFileSync,
  writeSync,
} from "node:fs";
import type { MetaLine, Row } from "@pqtls/report";
import { UserError } from "../errors.js";

const SYNC_INTERVAL_MS = 500;

export function sampleKey(cell: string, sample: number): string {
  return `${cell}\u0000${sample}`;
}

export class ResultsWriter {
  private fd: number | null;
  private lastSync = 0;
  private dirty = false;
  rowsWritten = 0;

  private constructor(
    readonly path: string,
    fd: number,
  ) {
    this.fd = fd;
  }

  /** Creates a new file with its meta line; refuses to overwrite an existing non-empty file. */
  static create(path: string, meta: MetaLine): ResultsWriter {
    if (existsSync(path) && readFileSync(path).length > 0)
      throw new UserError(`${path} already exists: pass --resume to complete it, or choose another --out`);
    const w = new ResultsWriter(path, openSync(path, "w"));
    w.writeLine(meta);
    w.sync();
    return w;
  }

  /** Opens an existing file for appending (after readResults has cut any torn last line). */
  static append(path: string): ResultsWriter {
    return new ResultsWriter(path, openSync(path, "a"));
  }

  private writeLine(value: unknown): void {
    if (this.fd === null) throw new Error(`results file ${this.path} is closed`);
    const line = Buffer.from(`${JSON.stringify(value)}\n`);
    let off = 0;
    while (off < line.length) off += writeSync(this.fd, line, off);
    this.dirty = true;
  }

  write(row: Row): void {
    this.writeLine(row);
    this.rowsWritten++;
    if (Date.now() - this.lastSync >= SYNC_INTERVAL_MS) this.sync();
  }

  sync(): void {
    if (this.fd === null || !this.dirty) return;
    fdatasyncSync(this.fd);
    this.dirty = false;
    this.lastSync = Date.now();
  }

  close(): void {
    if (this.fd === null) return;
    this.sync();
    closeSync(this.fd);
    this.fd = null;
  }
}

export interface ExistingResults {
  meta: MetaLine;
  rows: Row[];
  /** sampleKey(cell, sample) of every recorded row. */
  done: Set<string>;
  /** Bytes of a torn last line that were cut off (0 when the file ended cleanly). */
  truncatedBytes: number;
}

/**
 * Reads a results file for --resume. A last line without its newline (the run was killed mid-write)
 * is cut off; any other unreadable line is an error, since appending to a damaged file would hide it.
 */
export function readResults(path: string): ExistingResults {
  if (!existsSync(path))
    throw new UserError(`--resume: ${path} does not exist (run without --resume to start it)`);
  const buf = readFileSync(path);
  let end = buf.length;
  let truncatedBytes = 0;
  if (end > 0 && buf[end - 1] !== 0x0a) {
    const lastNl = buf.lastIndexOf(0x0a);
    end = lastNl + 1;
    truncatedBytes = buf.length - end;
  }
  const lines = buf.subarray(0, end).toString("utf8").split("\n");
  lines.pop(); // the empty string after the final newline
  if (lines.length === 0) throw new UserError(`--resume: ${path} has no meta line`);
  const parsed = lines.map((line, i) => {
    try {
      return JSON.parse(line) as MetaLine | Row;
    } catch {
      throw new UserError(`--resume: ${path} line ${i + 1} is not JSON; the file is damaged`);
    }
  });
  const meta = parsed[0];
  if (meta.type !== "meta") throw new UserError(`--resume: ${path} does not start with a meta line`);
  const rows: Row[] = [];
  const done = new Set<string>();
  for (let i = 1; i < parsed.length; i++) {
    const r = parsed[i];
    if (r.type !== "row") throw new UserError(`--resume: ${path} line ${i + 1} is not a row`);
    const key = sampleKey(r.cell, r.sample);
    if (done.has(key))
      throw new UserError(`--resume: ${path} line ${i + 1} repeats cell ${r.cell} sample ${r.sample}`);
    done.add(key);
    rows.push(r);
  }
  if (truncatedBytes > 0) {
    const fd = openSync(path, "r+");
    try {
      ftruncateSync(fd, end);
      fdatasyncSync(fd);
    } finally {
      closeSync(fd);
    }
  }
  return { meta, rows, done, truncatedBytes };
}
