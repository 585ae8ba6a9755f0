// Reads results files (JSONL: a meta line, then rows) into memory, checking every line. Problems are
// reported as "file:line: what is wrong"; with skipBad a bad line becomes a warning and is left out.
// Several files merge (shards or resumed parts of one run); files whose configs differ are a mixed
// run and refused unless allowMixed, because their cells would silently pool different experiments.

import { createReadStream } from "node:fs";
import { createInterface } from "node:readline";
import { createGunzip } from "node:zlib";
import { differingKeys } from "./configs.js";
import { conditionKey, conditionOf, variantKey, variantOf } from "./params.js";
import type { MetaLine, Row } from "./row.js";
import { metaSchemaProblem, rowSchemaProblem } from "./schema.js";

/** Bad input, with a one-line message that names the file and line. */
export class ReportInputError extends Error {
  override name = "ReportInputError";
}

export interface LoadOptions {
  /** Warn about and leave out bad lines instead of failing on the first one. */
  skipBad?: boolean;
  /** Merge files whose meta lines describe different experiment configs. */
  allowMixed?: boolean;
}

export interface LoadedFile {
  file: string;
  meta: MetaLine;
  rows: number;
  skipped: number;
}

export interface LoadedResults {
  files: LoadedFile[];
  rows: Row[];
  /** "file:line" of each row, parallel to `rows`. */
  origins: string[];
  warnings: string[];
}

type Json = Record<string, unknown>;

/** Why a row is invalid, or null: the published JSON Schema (schema.ts, through ajv). */
const rowProblem = (o: Json): string | null => rowSchemaProblem(o);
const metaProblem = (o: Json): string | null => metaSchemaProblem(o);

/** Accumulates lines from one or more files; `finish` applies the cross-file checks. */
export class ResultsReader {
  private readonly files: LoadedFile[] = [];
  private readonly rows: Row[] = [];
  private readonly origins: string[] = [];
  private readonly warnings: string[] = [];
  private readonly samples = new Map<string, string>();
  private readonly cellParams = new Map<string, { key: string; at: string }>();
  private current: LoadedFile | null = null;
  private currentFile = "";
  private sawFirstLine = false;

  constructor(private readonly options: LoadOptions = {}) {}

  beginFile(file: string): void {
    this.current = null;
    this.currentFile = file;
    this.sawFirstLine = false;
  }

  private bad(at: string, problem: string): void {
    if (!this.options.skipBad) throw new ReportInputError(`${at}: ${problem}`);
    this.warnings.push(`${at}: ${problem} (skipped)`);
    if (this.current) this.current.skipped++;
  }

  line(text: string, lineNo: number): void {
    const at = `${this.currentFile}:${lineNo}`;
    if (text.trim() === "") return;
    const first = !this.sawFirstLine;
    this.sawFirstLine = true;
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch (err) {
      const why = err instanceof Error ? err.message.split("\n")[0] : String(err);
      if (first) throw new ReportInputError(`${at}: the meta line is not valid JSON (${why})`);
      this.bad(at, `not valid JSON (${why})`);
      return;
    }
    if (!value || typeof value !== "object" || Array.isArray(value)) {
      if (first) throw new ReportInputError(`${at}: the first line must be the meta line, a JSON object`);
      this.bad(at, "expected a JSON object");
      return;
    }
    const o = value as Json;
    if (first) {
      if (o.type !== "meta") {
        throw new ReportInputError(
          `${at}: the first line must be the meta line ({"type":"meta",...}), found type ${JSON.stringify(o.type)}`,
        );
      }
      const problem = metaProblem(o);
      if (problem) throw new ReportInputError(`${at}: ${problem}`);
      this.current = { file: this.currentFile, meta: o as unknown as MetaLine, rows: 0, skipped: 0 };
      this.files.push(this.current);
      return;
    }
    const current = this.current!;
    if (o.type === "meta") {
      this.bad(at, "a second meta line (each file has exactly one, first)");
      return;
    }
    if (o.type !== "row") {
      this.bad(at, `unknown line type ${JSON.stringify(o.type)}`);
      return;
    }
    const problem = rowProblem(o);
    if (problem) {
      this.bad(at, problem);
      return;
    }
    const row = o as unknown as Row;
    if (row.run !== current.meta.run) {
      this.bad(at, `row is from run "${row.run}" but this file's meta line is run "${current.meta.run}"`);
      return;
    }
    const sampleKey = JSON.stringify([row.run, row.cell, row.sample]);
    const seen = this.samples.get(sampleKey);
    if (seen) {
      this.bad(
        at,
        `duplicate sample ${row.sample} of cell "${row.cell}" (also at ${seen}; a file given twice?)`,
      );
      return;
    }
    const paramsKey = `${variantKey(variantOf(row))}|${conditionKey(conditionOf(row))}|${row.bytes}`;
    const cell = this.cellParams.get(row.cell);
    if (cell && cell.key !== paramsKey) {
      this.bad(at, `row of cell "${row.cell}" has different parameters than the cell's row at ${cell.at}`);
      return;
    }
    if (!cell) this.cellParams.set(row.cell, { key: paramsKey, at });
    this.samples.set(sampleKey, at);
    this.rows.push(row);
    this.origins.push(at);
    current.rows++;
  }

  endFile(): void {
    if (!this.current) throw new ReportInputError(`${this.currentFile}: empty file (no meta line)`);
  }

  finish(): LoadedResults {
    if (this.files.length > 1 && !this.options.allowMixed) {
      const ref = this.files[0];
      for (const f of this.files.slice(1)) {
        const a = ref.meta;
        const b = f.meta;
        const keys = differingKeys(a.config, b.config);
        if (keys.length > 0 || a.link_backend !== b.link_backend) {
          const what = keys.length > 0 ? `config (${keys.join(", ")})` : "link backend";
          throw new ReportInputError(
            `mixed runs: ${ref.file} and ${f.file} differ in ${what}; pass --allow-mixed to merge them anyway`,
          );
        }
      }
    }
    return { files: this.files, rows: this.rows, origins: this.origins, warnings: this.warnings };
  }
}

/** Parse the text of one results file (for notebooks and tests). */
export function parseResults(text: string, file = "<input>", options: LoadOptions = {}): LoadedResults {
  const reader = new ResultsReader(options);
  reader.beginFile(file);
  const lines = text.split("\n");
  for (let i = 0; i < lines.length; i++) reader.line(lines[i], i + 1);
  reader.endFile();
  return reader.finish();
}

function readProblem(err: unknown): string {
  const code = (err as NodeJS.ErrnoException).code;
  if (code === "ENOENT") return "no such file";
  if (code === "EACCES") return "permission denied";
  if (code === "EISDIR") return "is a directory";
  return err instanceof Error ? err.message.split("\n")[0] : String(err);
}

/** Read and merge results files, streaming them line by line. */
export async function loadResults(
  files: readonly string[],
  options: LoadOptions = {},
): Promise<LoadedResults> {
  if (files.length === 0) throw new ReportInputError("no results files given");
  const reader = new ResultsReader(options);
  for (const file of files) {
    reader.beginFile(file);
    const stream = createReadStream(file);
    const opened = new Promise<void>((resolve, reject) => {
      stream.once("open", () => resolve());
      stream.once("error", reject);
    });
    // Committed results are gzipped (docs/results/*.jsonl.gz: rows compress ~20x): read them as is.
    const gunzip = file.endsWith(".gz") ? createGunzip() : undefined;
    const input = gunzip ? stream.pipe(gunzip) : stream;
    input.setEncoding("utf8");
    if (gunzip) stream.once("error", (err) => gunzip.destroy(err));
    try {
      await opened;
      let lineNo = 0;
      for await (const line of createInterface({ input, crlfDelay: Number.POSITIVE_INFINITY })) {
        reader.line(line, ++lineNo);
      }
    } catch (err) {
      if (err instanceof ReportInputError) throw err;
      throw new ReportInputError(`${file}: cannot read (${readProblem(err)})`);
    } finally {
      stream.destroy();
      gunzip?.destroy();
    }
    reader.endFile();
  }
  return reader.finish();
}
