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
