/**
 * Miss storms of the shield bench: N clients on pre-opened connections ask one server for one object
 * it has not seen (load.ts `storm`, its own process), and the origin counts how many requests reached
 * it. Measures only; verdicts are report.ts's.
 */
import { runLoad } from './hits.ts';
import type { BenchOrigin } from './origin.ts';
import type { Measured } from './report.ts';

/** What load.ts `storm` prints. */
export interface StormResult {
  results: { status: number; ttfb: number; ttlb: number; sentAt: number; bytes: number; cache: string }[];
  expiryWaitMs: number;
}

/** Median of the non-negative values (NaN when none). */
export const p50 = (xs: number[]): number => {
  const s = xs.filter((x) => x >= 0).sort((a, b) => a - b);
  return s.length === 0 ? Number.NaN : (s[Math.floor((s.length - 1) / 2)] ?? Number.NaN);
};

/** How many responses carried each x-cache value. */
export const tally = (xs: string[]): Record<string, number> => {
  const out: Record<string, number> = {};
  for (const x of xs) out[x || '-'] = (out[x || '-'] ?? 0) + 1;
  return out;
};

/**
 * One miss storm of `clients` clients on `url + path` (a path the origin serves slowly and nobody
 * asked for yet); raw values, no rounding.
 *
 * @example const storm = await missStorm(shield.url, '/storm1mb/shield.ts', origin, 500);
 */
export async function missStorm(
  url: string,
  path: string,
  origin: BenchOrigin,
  clients: number,
): Promise<NonNullable<Measured['missStorm']>> {
  const fillsBefore = origin.fillMs.length;
  const storm = await runLoad<StormResult>(['storm', `${url}${path}`, String(clients)]);
  const ok = storm.results.filter((r) => r.status === 200 && r.bytes > 0);
  return {
    upstreamRequests: origin.count(path),
    ok: ok.length,
    ttfbP50: p50(ok.map((r) => r.ttfb)),
    ttlbP50: p50(ok.map((r) => r.ttlb)),
    ownTtfbP50: p50(ok.map((r) => r.ttfb - r.sentAt)),
    ownTtlbP50: p50(ok.map((r) => r.ttlb - r.sentAt)),
    sentAtP50: p50(storm.results.map((r) => r.sentAt)),
    originFillMs: p50(origin.fillMs.slice(fillsBefore)),
    cache: tally(storm.results.map((r) => r.cache)),
  };
}

type StormMeasure = NonNullable<Measured['missStorm']>;

/**
 * One figure from several rounds of the same storm: the median of each timing, the most packager
 * requests any round made (the coalescing claim must hold in every round), the fewest complete
 * responses, and every round's x-cache values added up.
 *
 * @example const storm = medianStorm([round1, round2, round3]);
 */
export function medianStorm(rounds: readonly StormMeasure[]): StormMeasure | undefined {
  if (rounds.length === 0) return undefined;
  const median = (get: (s: StormMeasure) => number) => p50(rounds.map(get));
  const cache: Record<string, number> = {};
  for (const round of rounds) {
    for (const [key, n] of Object.entries(round.cache)) cache[key] = (cache[key] ?? 0) + n;
  }
  return {
    upstreamRequests: Math.max(...rounds.map((s) => s.upstreamRequests)),
    ok: Math.min(...rounds.map((s) => s.ok)),
    ttfbP50: median((s) => s.ttfbP50),
    ttlbP50: median((s) => s.ttlbP50),
    ownTtfbP50: median((s) => s.ownTtfbP50),
    ownTtlbP50: median((s) => s.ownTtlbP50),
    sentAtP50: median((s) => s.sentAtP50),
    originFillMs: median((s) => s.originFillMs),
    cache,
  };
}
