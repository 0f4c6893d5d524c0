/**
 * token-churn — the same seeded VOD trace twice, on two disjoint halves of the catalogue: first
 * tokenless, then with a distinct token per viewer and a distinct CMCD session (half as the CMCD query
 * parameter, half as CMCD headers).
 *
 * Failure mode reproduced: a cache key that includes `token=` or `CMCD=` turns every viewer into
 * their own cache — the hit ratio collapses and the origin sees one request per viewer.
 * Good looks like: the tokenized phase's edge and combined hit ratios equal the tokenless phase's
 * (|Δ| ≤ 0.02) and the origin fetches each segment once in both phases.
 */

import { createRandom, seedOf } from '../lib/prng.ts';
import { createZipf } from '../lib/zipf.ts';
import { titleMaster } from '../local-stack.ts';
import { makeViewer, PLAYER_METRICS, play } from '../player.ts';
import type { IterationContext, Scenario } from '../scenario.ts';
import { hitRatios } from './common.ts';

const TITLES_PER_PHASE = 60;
const zipf = createZipf(TITLES_PER_PHASE, 0.9);

async function viewerSession(ctx: IterationContext, offset: number, tokens: boolean): Promise<void> {
  // Same trace in both phases: the draw depends on (vu, iteration) only, not on the phase.
  const random = createRandom(seedOf('token-churn', ctx.vu, ctx.iteration));
  const title = offset + zipf(random);
  const segments = 3 + Math.floor(random() * 8);
  const viewer = await makeViewer(
    ctx,
    tokens ? { tokens: true, cmcd: ctx.vu % 2 === 0 ? 'query' : 'header' } : {},
  );
  await play(ctx, viewer, {
    masterPath: titleMaster(title),
    maxSegments: segments,
    maxBufferSec: Number.POSITIVE_INFINITY,
  });
}

export const tokenChurn: Scenario = {
  name: 'token-churn',
  description:
    'Same seeded VOD trace tokenless then with a unique token + CMCD session per viewer. Reproduces cache-key fragmentation by tokens/CMCD. Good: hit ratio delta <= 0.02, origin fetches each segment once.',
  options: {
    scenarios: {
      tokenless: {
        executor: 'per-vu-iterations',
        vus: 6,
        iterations: 8,
        maxDuration: '15s',
        exec: 'tokenless',
      },
      tokens: {
        executor: 'per-vu-iterations',
        vus: 6,
        iterations: 8,
        maxDuration: '15s',
        exec: 'tokens',
        startTime: '16s',
      },
    },
    thresholds: {
      token_churn_hit_ratio_delta: ['value<=0.02'],
      'origin_requests_per_object{target:edge,kind:segment}': ['max<=1.0'],
      http_req_failed: ['rate<0.01'],
    },
  },
  metrics: { ...PLAYER_METRICS, token_churn_hit_ratio_delta: 'gauge' },
  stack: { catalogueTitles: 2 * TITLES_PER_PHASE },
  exec: {
    tokenless: (ctx) => viewerSession(ctx, 0, false),
    tokens: (ctx) => viewerSession(ctx, TITLES_PER_PHASE, true),
  },
  finish({ records, metrics }) {
    const a = hitRatios(records.filter((r) => r.scenario === 'tokenless'));
    const b = hitRatios(records.filter((r) => r.scenario === 'tokens'));
    metrics.add('token_churn_hit_ratio_delta', Math.abs(a.edgeHitRatio - b.edgeHitRatio));
    return { tokenless: a, tokens: b };
  },
};
