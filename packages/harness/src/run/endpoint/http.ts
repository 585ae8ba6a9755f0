// The tiny HTTP/1.1 exchange of a measured connection: `GET /N` asks for exactly N body bytes.
// Both parsers find the end of the head across chunk boundaries and count the body from the byte
// after it, whatever the chunking (an earlier harness counted only buffers that began with CRLF).

const CRLFCRLF = Buffer.from("\r\n\r\n");
/** A head larger than this is an error, not something to buffer forever. */
export const MAX_HEAD_BYTES = 8192;

export function requestFor(bytes: number, host: string): Buffer {
  return Buffer.from(`GET /${bytes} HTTP/1.1\r\nHost: ${host}\r\nConnection: close\r\n\r\n`, "latin1");
}

export function responseHead(bytes: number): Buffer {
  return Buffer.from(
    `HTTP/1.1 200 OK\r\nContent-Type: application/octet-stream\r\nContent-Length: ${bytes}\r\nConnection: close\r\n\r\n`,
    "latin1",
  );
}

/** Accumulates bytes until a full head (ending CRLFCRLF) is present; returns head text and the rest. */
class HeadSplitter {
  private buffered: Buffer = Buffer.alloc(0);

  /** null while the head is incomplete. Throws when the head grows past MAX_HEAD_BYTES. */
  push(chunk: Buffer): { head: string; rest: Buffer } | null {
    this.buffered = this.buffered.length === 0 ? chunk : Buffer.concat([this.buffered, chunk]);
    const end = this.buffered.indexOf(CRLFCRLF);
    if (end < 0) {
      if (this.buffered.length > MAX_HEAD_BYTES)
        throw new Error(`HTTP head longer than ${MAX_HEAD_BYTES} bytes`);
      return null;
    }
    if (end > MAX_HEAD_BYTES) throw new Error(`HTTP head longer than ${MAX_HEAD_BYTES} bytes`);
    const head = this.buffered.subarray(0, end).toString("latin1");
    const rest = this.buffered.subarray(end + CRLFCRLF.length);
    this.buffered = Buffer.alloc(0);
    return { head, rest };
  }
}

/** Server side: reads one request and yields the requested size. */
export class RequestReader {
  private readonly splitter = new HeadSplitter();
  private done = false;

  /** The requested body size once the head is complete, else null. Throws on a malformed request. */
  push(chunk: Buffer): number | null {
    if (this.done) return null; // bytes after the request (none expected) are ignored
    const r = this.splitter.push(chunk);
    if (!r) return null;
    this.done = true;
    const line = r.head.split("\r\n")[0];
    const m = /^GET \/(\d{1,10}) HTTP\/1\.[01]$/.exec(line);
    if (!m) throw new Error(`bad request line ${JSON.stringify(line.slice(0, 80))}`);
    return Number(m[1]);
  }
}

export type ResponseEvent =
  | { kind: "need-more" }
  | { kind: "complete"; bodyBytes: number }
  | { kind: "error"; message: string };

/** Client side: checks the status and Content-Length and counts body bytes exactly. */
export class ResponseReader {
  private readonly splitter = new HeadSplitter();
  private headDone = false;
  private contentLength = -1;
  /** Body bytes received so far. */
  bodyBytes = 0;

  constructor(private readonly expected: number) {}

  push(chunk: Buffer): ResponseEvent {
    let body = chunk;
    if (!this.headDone) {
      let r: { head: string; rest: Buffer } | null;
      try {
        r = this.splitter.push(chunk);
      } catch (err) {
        return { kind: "error", message: (err as Error).message };
      }
      if (!r) return { kind: "need-more" };
      this.headDone = true;
      const [status, ...headers] = r.head.split("\r\n");
      if (!/^HTTP\/1\.[01] 200 /.test(`${status} `))
        return { kind: "error", message: `HTTP status ${JSON.stringify(status.slice(0, 80))}` };
      for (const h of headers) {
        const m = /^content-length:\s*(\d+)\s*$/i.exec(h);
        if (m) this.contentLength = Number(m[1]);
      }
      if (this.contentLength !== this.expected)
        return {
          kind: "error",
          message: `Content-Length ${this.contentLength} but asked for ${this.expected}`,
        };
      body = r.rest;
    }
    this.bodyBytes += body.length;
    if (this.bodyBytes > this.expected)
      return {
        kind: "error",
        message: `body has ${this.bodyBytes} bytes, more than the ${this.expected} asked for`,
      };
    if (this.bodyBytes === this.expected) return { kind: "complete", bodyBytes: this.bodyBytes };
    return { kind: "need-more" };
  }

  get headComplete(): boolean {
    return this.headDone;
  }
}
