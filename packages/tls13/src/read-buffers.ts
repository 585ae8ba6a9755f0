// The 64 KiB read buffers of client connections (net's `onread`), kept for the next connection once
// a socket has closed. A connection used to allocate its own: in a loop of short handshakes that was
// 64 KiB of new ArrayBuffer memory per connection, and with it more of Node 24's full GCs (README,
// "Bulk and the GC"). After 'close' the socket's handle is gone, so nothing reads into the buffer,
// and the record layer has copied out whatever it kept (RecordReader "reused" chunks).

const READ_BUFFER_BYTES = 65536;
/** Enough for a burst of concurrent connections to find one; the rest are left to the GC. */
const MAX_KEPT = 16;
const kept: Buffer[] = [];

export function takeReadBuffer(): Buffer {
  return kept.pop() ?? Buffer.allocUnsafe(READ_BUFFER_BYTES);
}

export function returnReadBuffer(buffer: Buffer): void {
  if (kept.length < MAX_KEPT && !kept.includes(buffer)) kept.push(buffer);
}

/**
 * Bulk reads go to an arena instead: consecutive reads land one after another in a 256 KiB buffer
 * that is never overwritten, so records are opened in place and handed to the application as views
 * (no copy, no per-record buffer), and a record that a read cut in two continues in the next read's
 * adjacent memory (RecordReader joins adjacent chunks). A new arena starts when fewer than
 * ARENA_MIN_READ bytes are left; the old one lives as long as the application keeps a view of it.
 */
const ARENA_BYTES = 256 * 1024;
/** The smallest read handed to the kernel from an arena's tail: two full records. */
const ARENA_MIN_READ = 2 * (16384 + 256 + 5);

/** What a read delivered, and who may write to its memory (RecordReader's ChunkOwnership). */
export interface DeliveredRead {
  chunk: Buffer;
  ownership: "reused" | "owned";
}

/**
 * The read buffers of one client connection (net's `onread` with a buffer function): the pooled
 * reused buffer while reads are small (a handshake, a short response: no per-connection allocation),
 * then, from the first read that fills it — a sign of bulk —, read arenas.
 */
export class ClientReadBuffers {
  private pooled: Buffer | null = takeReadBuffer();
  private arena: Buffer | null = null;
  private at = 0;

  /** The buffer for the next read (net calls it once at the start and after each read). */
  next(): Buffer {
    if (!this.arena) {
      this.pooled ??= takeReadBuffer();
      return this.pooled;
    }
    if (this.arena.length - this.at < ARENA_MIN_READ) {
      this.arena = Buffer.allocUnsafeSlow(ARENA_BYTES);
      this.at = 0;
    }
    return this.arena.subarray(this.at, this.at + Math.min(READ_BUFFER_BYTES, this.arena.length - this.at));
  }

  /** `n` bytes read into `buffer` (a buffer next() returned). */
  delivered(buffer: Buffer, n: number): DeliveredRead {
    const chunk = buffer.subarray(0, n);
    if (this.arena && buffer.buffer === this.arena.buffer) {
      this.at += n;
      return { chunk, ownership: "owned" };
    }
    // From now on, arenas: this read filled the reused buffer.
    if (n === buffer.length && !this.arena) {
      this.arena = Buffer.allocUnsafeSlow(ARENA_BYTES);
      this.at = 0;
    }
    return { chunk, ownership: "reused" };
  }

  /** The socket has closed: the pooled buffer goes back for the next connection. */
  release(): void {
    if (this.pooled) returnReadBuffer(this.pooled);
    this.pooled = null;
  }
}
