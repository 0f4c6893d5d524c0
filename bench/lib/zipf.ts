/**
 * Zipf popularity for a VOD catalogue: title k (0-based) is requested with probability ∝ 1/(k+1)^s.
 * Pure; sampling is deterministic for a given Random. Must not allocate per sample (the CDF is built once).
 */
import type { Random } from './prng.ts';

/** Draws a title index in [0, n). */
export type ZipfSampler = (random: Random) => number;

/**
 * Builds a sampler by inverse CDF with binary search: O(n) setup, O(log n) per draw.
 *
 * @example const draw = createZipf(1000, 0.9); draw(createRandom(1)) // 0 is the most likely answer
 */
export function createZipf(n: number, exponent: number): ZipfSampler {
  if (!Number.isInteger(n) || n < 1) throw new TypeError(`zipf n: expected an integer >= 1, got ${n}`);
  if (!Number.isFinite(exponent) || exponent < 0) {
    throw new TypeError(`zipf exponent: expected a finite number >= 0, got ${exponent}`);
  }
  const cdf = new Float64Array(n);
  let sum = 0;
  for (let k = 0; k < n; k++) {
    sum += 1 / (k + 1) ** exponent;
    cdf[k] = sum;
  }
  for (let k = 0; k < n; k++) cdf[k] = (cdf[k] ?? 0) / sum;
  return (random) => {
    const x = random();
    let lo = 0;
    let hi = n - 1;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if ((cdf[mid] ?? 1) > x) hi = mid;
      else lo = mid + 1;
    }
    return lo;
  };
}
