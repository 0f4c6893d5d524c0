/**
 * Seeded pseudo-random numbers for reproducible bench traces (and the seeded property/fuzz tests in
 * test/unit, which run in workerd too). Pure: no clock, no Math.random, no imports —
 * the same seed gives the same viewers, titles and bit rates on every run and every machine.
 */

/** A function returning uniformly distributed numbers in [0, 1). */
export type Random = () => number;

/**
 * mulberry32: 32-bit state, good enough statistical quality for workload generation and fast.
 *
 * @example const r = createRandom(42); r(); // 0.6011037519201636 (always)
 */
export function createRandom(seed: number): Random {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * Mixes several numbers/strings into one 32-bit seed (FNV-1a over their text), so per-viewer
 * streams are independent yet reproducible: `seedOf(runSeed, 'vu', 3, 'iter', 7)`.
 */
export function seedOf(...parts: readonly (string | number)[]): number {
  let hash = 0x811c9dc5;
  const text = parts.join('\u0000');
  for (let i = 0; i < text.length; i++) {
    hash ^= text.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  return hash >>> 0;
}

/** Picks one entry of `weights` (name → relative weight) with probability proportional to its weight. */
export function pickWeighted<T extends string>(weights: Readonly<Record<T, number>>, random: Random): T {
  const entries = Object.entries(weights) as [T, number][];
  const total = entries.reduce((sum, [, w]) => sum + Math.max(0, w), 0);
  let x = random() * total;
  for (const [name, w] of entries) {
    x -= Math.max(0, w);
    if (x < 0) return name;
  }
  const last = entries.at(-1);
  if (last === undefined) throw new TypeError('pickWeighted: no entries');
  return last[0];
}
