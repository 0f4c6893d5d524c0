/**
 * The adversarial categories, each at two scales: `full` (npm run test:adversarial, the published
 * table) and `slice` (inside npm test: the same code on fewer seeded inputs, seconds per category).
 * Test helper: runs the adversaries and returns rows; asserts nothing.
 */
import { faultInjection } from './faults.ts';
import { fuzzPlaylists } from './playlists.ts';
import { ATTACKS, cachePoisoning } from './poisoning.ts';
import type { Row } from './report.ts';
import { SLOW_CLIENT_LOADS, slowClientSurvival } from './slow-clients.ts';
import { SMUGGLING_VARIANTS, smugglingVariants } from './smuggling.ts';
import { fuzzTokens, targetedForgeries } from './tokens.ts';
import { TRAVERSAL_TARGETS, traversalProbes } from './traversal.ts';

export type Scale = 'full' | 'slice';

export interface Category {
  readonly key: string;
  run(scale: Scale, seed: number): Promise<readonly Row[]>;
}

export const CATEGORIES: readonly Category[] = [
  { key: 'tokens', run: (scale, seed) => fuzzTokens(seed, scale === 'full' ? 3000 : 300) },
  { key: 'forgeries', run: async (_scale, seed) => [await targetedForgeries(seed)] },
  {
    key: 'poisoning',
    run: async (scale) => [await cachePoisoning(scale === 'full' ? ATTACKS : ATTACKS.slice(0, 6))],
  },
  { key: 'traversal', run: (scale) => traversalProbes(scale === 'full' ? TRAVERSAL_TARGETS.length : 12) },
  { key: 'smuggling', run: (scale) => smugglingVariants(scale === 'full' ? SMUGGLING_VARIANTS : 8) },
  {
    key: 'slow-clients',
    run: async (scale) => [await slowClientSurvival(SLOW_CLIENT_LOADS[scale])],
  },
  {
    key: 'faults',
    run: async (scale) => [
      await faultInjection(
        scale === 'full'
          ? { objectBytes: 16 * 1024 * 1024, linkBytesPerS: 4 * 1024 * 1024 }
          : { objectBytes: 6 * 1024 * 1024, linkBytesPerS: 6 * 1024 * 1024 },
      ),
    ],
  },
  { key: 'playlists', run: async (scale, seed) => [fuzzPlaylists(seed, scale === 'full' ? 12_000 : 1000)] },
];

/** Runs `categories` one after another (they share two cores with whatever else runs). */
export async function runCategories(
  categories: readonly Category[],
  scale: Scale,
  seed: number,
  onDone: (key: string, ms: number) => void = () => undefined,
): Promise<Row[]> {
  const rows: Row[] = [];
  for (const c of categories) {
    const started = performance.now();
    rows.push(...(await c.run(scale, seed)));
    onDone(c.key, performance.now() - started);
  }
  return rows;
}
