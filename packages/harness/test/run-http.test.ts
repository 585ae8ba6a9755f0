// The measured HTTP exchange: the body is counted exactly whatever the chunking (an earlier harness
// counted only buffers that began with CRLF), and anything but exactly N bytes is an error.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { RequestReader, ResponseReader, requestFor, responseHead } from "../src/run/endpoint/http.js";

function chunksOf(buf: Buffer, cuts: number[]): Buffer[] {
  const points = [...new Set(cuts.map((c) => c % (buf.length + 1)))].sort((a, b) => a - b);
  const out: Buffer[] = [];
  let prev = 0;
  for (const p of [...points, buf.length]) {
    if (p > prev) out.push(buf.subarray(prev, p));
    prev = Math.max(prev, p);
  }
  return out;
}

describe("ResponseReader", () => {
  it("completes exactly at the last body byte for any chunking", () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 5000 }), fc.array(fc.nat(6000), { maxLength: 12 }), (n, cuts) => {
        const wire = Buffer.concat([responseHead(n), Buffer.alloc(n, 0x0d)]);
        const reader = new ResponseReader(n);
        const chunks = chunksOf(wire, cuts);
        const events = chunks.map((c) => reader.push(c).kind);
        expect(events.at(-1)).toBe("complete");
        expect(events.slice(0, -1).every((e) => e === "need-more")).toBe(true);
        expect(reader.bodyBytes).toBe(n);
      }),
    );
  });

  it("refuses a wrong Content-Length, a body longer than asked, a non-200 status and an endless head", () => {
    expect(new ResponseReader(10).push(responseHead(11))).toMatchObject({
      kind: "error",
      message: /Content-Length 11/,
    });
    const r = new ResponseReader(3);
    expect(r.push(Buffer.concat([responseHead(3), Buffer.from("abcd")]))).toMatchObject({
      kind: "error",
      message: /4 bytes, more than the 3/,
    });
    expect(new ResponseReader(0).push(Buffer.from("HTTP/1.1 404 Not Found\r\n\r\n"))).toMatchObject({
      kind: "error",
      message: /status/,
    });
    expect(new ResponseReader(1).push(Buffer.alloc(9000, 0x41))).toMatchObject({
      kind: "error",
      message: /head longer/,
    });
  });
});

describe("RequestReader", () => {
  it("reads the size from GET /N across chunks", () => {
    const req = requestFor(204800, "server.pqtls.test");
    const r = new RequestReader();
    expect(r.push(req.subarray(0, 7))).toBeNull();
    expect(r.push(req.subarray(7, req.length - 1))).toBeNull();
    expect(r.push(req.subarray(req.length - 1))).toBe(204800);
  });

  it("refuses a request that is not GET /<digits>", () => {
    expect(() => new RequestReader().push(Buffer.from("POST /5 HTTP/1.1\r\n\r\n"))).toThrow(
      /bad request line/,
    );
    expect(() => new RequestReader().push(Buffer.from("GET /-5 HTTP/1.1\r\n\r\n"))).toThrow(
      /bad request line/,
    );
  });
});
