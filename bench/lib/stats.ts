/** Order statistics for the bench's samples. Pure functions; test/unit/bench/stats.test.ts checks them. */

function sorted(samples: readonly number[]): number[] {
  if (samples.length === 0) throw new Error('no samples');
  for (const sample of samples) if (!Number.isFinite(sample)) throw new Error(`not a finite sample: ${sample}`);
  return [...samples].sort((a, b) => a - b);
}

/**
 * The p-th percentile (0-100) by the nearest-rank method: the smallest sample with at least p% of
 * the samples at or below it. Always one of the samples, so a p99 latency is a latency someone saw.
 */
export function percentile(samples: readonly number[], p: number): number {
  if (!(p >= 0 && p <= 100)) throw new Error(`percentile must be 0-100, got ${p}`);
  const ordered = sorted(samples);
  const rank = Math.max(1, Math.ceil((p / 100) * ordered.length));
  return ordered[rank - 1]!;
}

/** The median: the middle sample, or the mean of the two middle ones for an even count. */
export function median(samples: readonly number[]): number {
  const ordered = sorted(samples);
  const middle = Math.floor(ordered.length / 2);
  return ordered.length % 2 === 1 ? ordered[middle]! : (ordered[middle - 1]! + ordered[middle]!) / 2;
}

export function mean(samples: readonly number[]): number {
  return sorted(samples).reduce((total, sample) => total + sample, 0) / samples.length;
}

/** `ours / anchor`; undefined when either is missing or the anchor is zero. */
export function ratio(ours: number | undefined, anchor: number | undefined): number | undefined {
  if (ours === undefined || anchor === undefined || !Number.isFinite(ours) || !Number.isFinite(anchor) || anchor === 0) return undefined;
  return ours / anchor;
}
