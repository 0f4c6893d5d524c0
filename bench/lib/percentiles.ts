/**
 * Percentiles and trend statistics as k6 reports them. Pure. k6 interpolates linearly between the
 * closest ranks (index = p/100 · (n − 1)); we do the same so thresholds read the same way.
 */

/** k6 trend statistics (milliseconds for timings). */
export interface TrendStats {
  readonly count: number;
  readonly avg: number;
  readonly min: number;
  readonly med: number;
  readonly max: number;
  readonly 'p(90)': number;
  readonly 'p(95)': number;
  readonly 'p(99)': number;
}

/**
 * The p-th percentile (0–100) of ascending `sorted`; 0 for an empty list.
 *
 * @example percentileOfSorted([1, 2, 3, 4], 50) // 2.5
 */
export function percentileOfSorted(sorted: ArrayLike<number>, p: number): number {
  const n = sorted.length;
  if (n === 0) return 0;
  const clamped = Math.min(100, Math.max(0, p));
  const index = (clamped / 100) * (n - 1);
  const lo = Math.floor(index);
  const hi = Math.ceil(index);
  const a = sorted[lo] ?? 0;
  const b = sorted[hi] ?? a;
  return a + (b - a) * (index - lo);
}

/** Ascending copy as a Float64Array (numeric sort, never lexicographic). */
export function sortedCopy(values: readonly number[]): Float64Array {
  return Float64Array.from(values).sort();
}

/** All trend statistics of `values` at once (one sort). */
export function trendStats(values: readonly number[]): TrendStats {
  const sorted = sortedCopy(values);
  const n = sorted.length;
  let sum = 0;
  for (const v of sorted) sum += v;
  return {
    count: n,
    avg: n === 0 ? 0 : sum / n,
    min: n === 0 ? 0 : (sorted[0] ?? 0),
    med: percentileOfSorted(sorted, 50),
    max: n === 0 ? 0 : (sorted[n - 1] ?? 0),
    'p(90)': percentileOfSorted(sorted, 90),
    'p(95)': percentileOfSorted(sorted, 95),
    'p(99)': percentileOfSorted(sorted, 99),
  };
}
