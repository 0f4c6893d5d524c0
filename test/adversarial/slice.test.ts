/**
 * The bounded slice of `npm run test:adversarial` that runs inside npm test: every category on
 * fewer seeded inputs, each with the published goal of 0 (accepted forgeries, poisoned caches,
 * traversals, desyncs, throws, failed requests, truncated objects served).
 */
import { describe, expect, it } from 'vitest';
import { CATEGORIES } from './categories.ts';

const SEED = 14;

describe('adversarial slice (seed 14)', () => {
  it.each(CATEGORIES.map((c) => [c.key, c] as const))('%s: goal 0', async (_key, category) => {
    const rows = await category.run('slice', SEED);
    expect(rows.length).toBeGreaterThan(0);
    for (const row of rows) {
      expect(row.tried, row.category).toBeGreaterThan(0);
      expect({ category: row.category, bad: row.bad, note: row.note }).toEqual({
        category: row.category,
        bad: 0,
        note: row.note,
      });
    }
  });
});
