// Timing loop for synchronous operations: warm up, then run batches until a time budget is spent,
// reporting the median batch's time per op (robust to a GC pause or a neighbour's CPU burst).

export interface Measurement {
  /** Microseconds per operation (median over batches). */
  us: number;
  iterations: number;
}

export function measure(fn: () => unknown, budgetMs = 150): Measurement {
  // Warm-up: JIT, lazily built tables, KeyObject caches.
  const warmUntil = performance.now() + Math.min(30, budgetMs / 4);
  let batch = 1;
  do fn();
  while (performance.now() < warmUntil);
  // Size batches to ~5 ms so timer resolution does not matter.
  for (;;) {
    const t = performance.now();
    for (let i = 0; i < batch; i++) fn();
    if (performance.now() - t > 5 || batch >= 1 << 20) break;
    batch *= 2;
  }
  const samples: number[] = [];
  let iterations = 0;
  const end = performance.now() + budgetMs;
  while (performance.now() < end || samples.length < 3) {
    const t = performance.now();
    for (let i = 0; i < batch; i++) fn();
    samples.push(((performance.now() - t) * 1000) / batch);
    iterations += batch;
  }
  samples.sort((a, b) => a - b);
  return { us: samples[samples.length >> 1], iterations };
}

/** The median of a few values (the upper middle one for an even count): rounds, processes. */
export const median = (values: number[]): number => [...values].sort((a, b) => a - b)[values.length >> 1];
