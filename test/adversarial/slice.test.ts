/**
 * The bounded slice of `npm run test:adversarial` that runs inside npm test: every category on
 * fewer seeded inputs, each with the published goal of 0 (accepted forgeries, poisoned caches,
 * traversals, desyncs, throws, failed requests, truncated objects served), and no failed control.
 */
import { describe, expect, it } from 'vitest';
import { CATEGORIES } from './categories.ts';
import { failures } from './report.ts';
import { SLOW_CLIENT_LOADS, slowClientSurvival } from './slow-clients.ts';

const SEED = 14;

describe('adversarial slice (seed 14)', () => {
  it.each(CATEGORIES.map((c) => [c.key, c] as const))('%s: goal 0', async (_key, category) => {
    const rows = await category.run('slice', SEED);
    expect(rows.length).toBeGreaterThan(0);
    for (const row of rows) {
      expect(row.tried, row.category).toBeGreaterThan(0);
      expect({
        category: row.category,
        bad: row.bad,
        controlFailed: row.controlFailed,
        note: row.note,
      }).toEqual({ category: row.category, bad: 0, controlFailed: undefined, note: row.note });
    }
  });

  it('slow-clients: an attack the shield closes and nobody reconnects fails its row (control)', async () => {
    const row = await slowClientSurvival({ ...SLOW_CLIENT_LOADS.slice, requests: 10, replace: false });
    // Normal requests succeed all the more easily when the attack fades: only the control catches it.
    expect({ bad: row.bad, controlFailed: row.controlFailed }).toEqual({
      bad: 0,
      controlFailed: expect.stringMatching(/attack connections open/),
    });
    expect(failures([row])).toEqual([row]);
  });
});
