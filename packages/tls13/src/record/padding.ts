// Record padding policies (RFC 8446 §5.4): how many zero bytes follow the content type in a
// protected record. Padding hides lengths; experiments use it to measure what that costs.

/**
 * A padding policy: `{ block: n }` pads every protected record's TLSInnerPlaintext up to a
 * multiple of n bytes; a function returns the padding for one record (clamped to what fits).
 */
export type PaddingPolicy =
  | { block: number }
  | ((record: { contentType: number; contentLength: number; maxPadding: number }) => number);

export function paddingFor(
  policy: PaddingPolicy | undefined,
  contentType: number,
  contentLength: number,
  maxPadding: number,
): number {
  if (!policy || maxPadding <= 0) return 0;
  let pad: number;
  if (typeof policy === "function") pad = policy({ contentType, contentLength, maxPadding });
  else {
    const inner = contentLength + 1;
    pad = policy.block > 1 ? (policy.block - (inner % policy.block)) % policy.block : 0;
  }
  if (!Number.isFinite(pad) || pad < 0) return 0;
  return Math.min(Math.floor(pad), maxPadding);
}
