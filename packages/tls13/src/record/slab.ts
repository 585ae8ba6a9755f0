// Memory for records, cut in order from shared buffers: one allocation per many records instead of
// one each. Buffers start small and double up to `max`, so a connection that only handshakes does
// not hold a bulk-sized buffer.
//
// Cut pieces are handed away (to the transport's write queue, or to the reader of the plaintext), so
// by default a buffer is never cut again once full. With recycling on, the owner instead reports
// (release) when every piece before a mark is no longer used, and full buffers return to a small
// free list: a bulk sender then allocates nothing per record at all.
//
// Why at all: on Node 24, V8 starts a full GC per ~64 MB of new ArrayBuffer memory and each new
// backing store has a fixed cost besides (README, "Bulk and the GC").

/** Free buffers kept per slab: enough for the transport queue's 256 KiB limit plus the records in flight. */
const MAX_FREE = 2;

export class Slab {
  private buf: Uint8Array = new Uint8Array(0);
  private at = 0;
  /** Bytes cut so far over the slab's life; a mark for release(). */
  private taken = 0;
  /** Full buffers whose pieces may still be in use, each with the mark after its last piece. */
  private readonly retired: { buf: Uint8Array; end: number }[] = [];
  private readonly free: Uint8Array[] = [];
  private recycling = false;

  constructor(
    private readonly min: number,
    private readonly max: number,
  ) {}

  /**
   * From now on, full buffers wait for release() and are then cut again. Only for an owner that
   * does call release(): until it does, retired buffers are kept.
   */
  recycle(): void {
    this.recycling = true;
  }

  /** The mark after every piece cut so far. */
  get mark(): number {
    return this.taken;
  }

  /**
   * A view of n bytes that no other live take() overlaps. Zero-filled unless recycling is on, when
   * it may hold an earlier piece's bytes: callers write every byte they hand out.
   */
  take(n: number): Uint8Array {
    if (this.at + n > this.buf.length) {
      if (this.recycling && this.buf.length === this.max)
        this.retired.push({ buf: this.buf, end: this.taken });
      const size = Math.max(n, Math.min(this.max, Math.max(this.min, 2 * this.buf.length)));
      this.buf = (size === this.max && this.free.pop()) || new Uint8Array(size);
      this.at = 0;
    }
    const out = this.buf.subarray(this.at, this.at + n);
    this.at += n;
    this.taken += n;
    return out;
  }

  /** Every piece cut before `mark` is no longer used: the buffers that held only such pieces are free. */
  release(mark: number): void {
    while (this.retired.length > 0 && this.retired[0].end <= mark) {
      const { buf } = this.retired.shift()!;
      if (this.free.length < MAX_FREE) this.free.push(buf);
    }
  }
}
