// The results file: meta line first, whole rows appended, and --resume reading back exactly which
// samples exist, cutting a torn last line and refusing a damaged file.
import { appendFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { MetaLine, Row } from "@pqtls/report";
import { afterEach, describe, expect, it } from "vitest";
import { ResultsWriter, readResults, sampleKey } from "../src/run/jsonl.js";
import { counterDelta, parseProcNet, readTcpCounters } from "../src/run/tcpstats.js";

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});
function tmpFile(): string {
  const d = mkdtempSync(join(tmpdir(), "pqtls-jsonl-"));
  dirs.push(d);
  return join(d, "r.jsonl");
}

const meta = { type: "meta", run: "abc123", format: 1, config: {} } as unknown as MetaLine;
const row = (cell: string, sample: number) =>
  ({ type: "row", run: "abc123", cell, sample, ok: true }) as unknown as Row;

describe("results file", () => {
  it("writes the meta line then rows; resume sees exactly those samples", () => {
    const path = tmpFile();
    const w = ResultsWriter.create(path, meta);
    w.write(row("a", 0));
    w.write(row("b", 0));
    w.write(row("a", 1));
    w.close();
    const lines = readFileSync(path, "utf8")
      .trimEnd()
      .split("\n")
      .map((l) => JSON.parse(l));
    expect(lines.map((l) => l.type)).toEqual(["meta", "row", "row", "row"]);
    const r = readResults(path);
    expect(r.meta.run).toBe("abc123");
    expect([...r.done].sort()).toEqual([sampleKey("a", 0), sampleKey("a", 1), sampleKey("b", 0)].sort());
    expect(r.truncatedBytes).toBe(0);
  });

  it("refuses to overwrite an existing results file", () => {
    const path = tmpFile();
    ResultsWriter.create(path, meta).close();
    expect(() => ResultsWriter.create(path, meta)).toThrow(/already exists: pass --resume/);
  });

  it("cuts a torn last line, then appends after it", () => {
    const path = tmpFile();
    const w = ResultsWriter.create(path, meta);
    w.write(row("a", 0));
    w.close();
    appendFileSync(path, '{"type":"row","run":"abc123","cell":"a","sam');
    const r = readResults(path);
    expect(r.truncatedBytes).toBeGreaterThan(0);
    expect(r.done.size).toBe(1);
    const a = ResultsWriter.append(path);
    a.write(row("a", 1));
    a.close();
    expect(readResults(path).done.size).toBe(2);
  });

  it("refuses a damaged line in the middle and a repeated sample", () => {
    const damaged = tmpFile();
    writeFileSync(damaged, `${JSON.stringify(meta)}\nnot json\n${JSON.stringify(row("a", 0))}\n`);
    expect(() => readResults(damaged)).toThrow(/line 2 is not JSON/);
    const dup = tmpFile();
    writeFileSync(dup, [meta, row("a", 0), row("a", 0)].map((x) => `${JSON.stringify(x)}\n`).join(""));
    expect(() => readResults(dup)).toThrow(/line 3 repeats cell a sample 0/);
  });
});

describe("TCP counters", () => {
  it("parses /proc/net/snmp name/value line pairs", () => {
    const text = "Tcp: RtoMin RetransSegs OutSegs\nTcp: 200 7 100\nUdp: InDatagrams\nUdp: 5\n";
    expect(parseProcNet(text)).toEqual({
      "Tcp.RtoMin": 200,
      "Tcp.RetransSegs": 7,
      "Tcp.OutSegs": 100,
      "Udp.InDatagrams": 5,
    });
    expect(counterDelta({ a: 1, b: 5 }, { a: 4, b: 5, c: 9 })).toEqual({ a: 3, b: 0 });
  });

  it("reads this namespace's counters through /proc/<pid>/net", async () => {
    const c = await readTcpCounters(process.pid);
    expect(c["Tcp.OutSegs"]).toBeGreaterThanOrEqual(0);
    expect(c["TcpExt.TCPTimeouts"]).toBeGreaterThanOrEqual(0);
  });
});
