/**
 * vod-zipf — a VOD catalogue with Zipf popularity (s = 0.9) over 200 titles; viewers watch 3–15
 * segments of one title (early abandonment), downloading as fast as the stack serves.
 *
 * Failure mode reproduced: a cache that fragments keys, evicts the head of the popularity curve, or
 * fetches one object from the origin many times shows a hit ratio well below what the trace allows.
 * Good looks like: combined (edge+shield) request hit ratio ≥ 95 % of the infinite-cache ideal for
 * this very trace (only compulsory misses), every segment fetched from the origin once, edge hits fast.
 * The report compares the shield's hit ratio on the edge-miss stream with LRU and Belady at the
 * shield's byte capacity.
 */

import { createZipf } from '../lib/zipf.ts';
import { titleMaster } from '../local-stack.ts';
import { makeViewer, PLAYER_METRICS, play } from '../player.ts';
import type { Scenario } from '../scenario.ts';
import { idealComparison } from './common.ts';

const TITLES = 200;
const SHIELD_CACHE_BYTES = 64 * 1024 * 1024;
const zipf = createZipf(TITLES, 0.9);

export const vodZipf: Scenario = {
  name: 'vod-zipf',
  description:
    'VOD catalogue (200 titles, Zipf s=0.9), viewers watch 3-15 segments. Reproduces key fragmentation / poor eviction / duplicate origin fetches. Good: combined hit ratio >= 95% of the infinite-cache ideal for the trace, origin fetches each segment once.',
  options: {
    scenarios: { viewers: { executor: 'constant-vus', vus: 8, duration: '30s', gracefulStop: '5s' } },
    thresholds: {
      hit_ratio_vs_ideal: ['value>=0.95'],
      'origin_requests_per_object{target:edge,kind:segment}': ['max<=1.0'],
      'http_req_duration{tier:edge}': ['p(95)<50'],
      http_req_failed: ['rate<0.01'],
    },
  },
  metrics: { ...PLAYER_METRICS, hit_ratio_vs_ideal: 'gauge' },
  stack: { catalogueTitles: TITLES, shieldEnv: { SHIELD_CACHE_BYTES: String(SHIELD_CACHE_BYTES) } },
  exec: {
    async default(ctx) {
      const viewer = await makeViewer(ctx, {});
      const title = zipf(ctx.random);
      const segments = 3 + Math.floor(ctx.random() * 13);
      await play(ctx, viewer, {
        masterPath: titleMaster(title),
        maxSegments: segments,
        maxBufferSec: Number.POSITIVE_INFINITY,
      });
    },
  },
  finish({ records, metrics }) {
    const comparison = idealComparison(records, SHIELD_CACHE_BYTES);
    metrics.add('hit_ratio_vs_ideal', comparison.combinedVsInfinite);
    return { ideal: comparison };
  },
};
