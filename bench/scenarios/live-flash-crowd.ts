/**
 * live-flash-crowd — N viewers (default 40) join one live stream within the same second and watch at
 * the live edge with a real playback clock (buffer ≤ 3 segments, playlist reloads at target-duration
 * cadence, start 3 segments behind the edge).
 *
 * Failure mode reproduced: the live-edge miss storm — every new segment and every playlist refresh
 * is requested by all viewers at once right after it appears; without request coalescing each one
 * becomes an origin (or shield) request, and late segments make players stall.
 * Good looks like: each live segment fetched from the origin exactly once (origin_requests_per_object
 * max 1), edge→shield requests per segment close to 1 (edge single-flight), no stalls, no errors.
 */
import { makeViewer, PLAYER_METRICS, play } from '../player.ts';
import type { Scenario } from '../scenario.ts';

export const liveFlashCrowd: Scenario = {
  name: 'live-flash-crowd',
  description:
    'N viewers join one live stream at once and play at the live edge. Reproduces the live-edge miss storm. Good: every segment fetched from origin once, shield requests per segment ~1, no stalls or errors.',
  options: {
    scenarios: { crowd: { executor: 'constant-vus', vus: 40, duration: '25s', gracefulStop: '5s' } },
    thresholds: {
      'origin_requests_per_object{target:edge,kind:segment}': ['max<=1.0'],
      'shield_requests_per_object{target:edge,kind:segment}': ['avg<=1.5'],
      stalls: ['count==0'],
      http_req_failed: ['rate<0.01'],
    },
  },
  metrics: PLAYER_METRICS,
  exec: {
    async default(ctx) {
      const viewer = await makeViewer(ctx, {});
      // Each VU is one viewer for the whole test: a flash crowd does not churn.
      await play(ctx, viewer, { masterPath: '/live/ts/master.m3u8', maxSegments: 1_000, maxBufferSec: 6 });
      await ctx.sleep(ctx.deadline - ctx.now());
    },
  },
};
