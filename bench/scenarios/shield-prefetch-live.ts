/**
 * shield-prefetch-live (issue 6) — live viewers at the live edge on two cold stacks at the same time:
 * the shield's playlist prefetch off (SHIELD_PREFETCH_SEGMENTS=0, the bench's stack, target `edge`)
 * and on (=2, a second stack, target `prefetch`). The dev packager's live clock is wall-clock based,
 * so both stacks publish the same segment at the same moment and the runs see the same stream.
 *
 * Failure modes reproduced: live prefetch that does not help (each new segment still reaches the
 * shield as a MISS when the first viewer asks for it) and prefetch that costs origin load (a segment
 * fetched twice, once by the prefetch and once by a viewer arriving while it runs).
 * Good looks like: the shield hit ratio on segments rises with prefetch, and packager requests per
 * segment stay at 1.0 in both runs. Segments prefetched near the end that no viewer reached are
 * reported (`prefetchedUnused`): that is the price, at most N per stream.
 */
import type { RequestRecord } from '../lib/record.ts';
import { makeViewer, PLAYER_METRICS, play } from '../player.ts';
import type { IterationContext, Scenario } from '../scenario.ts';
import { shieldHitRatio } from './shield-prefetch.ts';

const PREFETCH = 2;
const MASTER = '/live/ts/master.m3u8';

async function viewer(ctx: IterationContext, target: 'edge' | 'prefetch'): Promise<void> {
  const v = await makeViewer(ctx, {});
  const on = target === 'prefetch' && ctx.targets.prefetch !== undefined;
  await play(ctx, v, {
    masterPath: MASTER,
    maxSegments: 1_000,
    maxBufferSec: 6,
    ...(on ? { target: 'prefetch' } : {}),
  });
  await ctx.sleep(ctx.deadline - ctx.now());
}

export const shieldPrefetchLive: Scenario = {
  name: 'shield-prefetch-live',
  description: `Live viewers on two cold stacks at once, shield prefetch off (SHIELD_PREFETCH_SEGMENTS=0) and on (=${PREFETCH}). Reproduces live prefetch that does not raise the shield's segment hit ratio or that costs extra origin fetches. Good: higher shield hit ratio on segments with prefetch, packager requests per segment max 1.0 in both.`,
  options: {
    scenarios: {
      off: { executor: 'constant-vus', vus: 3, duration: '20s', gracefulStop: '5s', exec: 'off' },
      on: { executor: 'constant-vus', vus: 3, duration: '20s', gracefulStop: '5s', exec: 'on' },
    },
    thresholds: {
      prefetch_live_shield_hit_ratio_gain: ['value>0'],
      // Segments only: a live playlist is fetched again on every refresh, by design.
      'origin_requests_per_object{target:edge,kind:segment}': ['max<=1.0'],
      'origin_requests_per_object{target:prefetch,kind:segment}': ['max<=1.0'],
      http_req_failed: ['rate<0.01'],
    },
  },
  metrics: { ...PLAYER_METRICS, prefetch_live_shield_hit_ratio_gain: 'gauge' },
  stack: { shieldEnv: { SHIELD_PREFETCH_SEGMENTS: '0' } },
  privateStack: 'shield-prefetch-live compares two cold stacks with counted origins',
  async setup({ startStack }) {
    if (startStack === undefined)
      return { notes: ['shield-prefetch-live needs the bench to start its stacks (no --target)'] };
    const on = await startStack({ shieldEnv: { SHIELD_PREFETCH_SEGMENTS: String(PREFETCH) } });
    return {
      targets: { prefetch: on.edgeUrl },
      originCounters: { prefetch: on.origin },
      notes: [
        `shield-prefetch-live: "off" on the bench stack (SHIELD_PREFETCH_SEGMENTS=0), "on" on a second stack (=${PREFETCH}), run at the same time`,
      ],
      cleanup: () => on.stop(),
    };
  },
  exec: {
    off: (ctx) => viewer(ctx, 'edge'),
    on: (ctx) => viewer(ctx, 'prefetch'),
  },
  finish({ records, metrics, originCounts }) {
    const off = records.filter((r) => r.scenario === 'off');
    const on = records.filter((r) => r.scenario === 'on');
    // Segments only: every live playlist refresh is a new version, which the shield must fetch.
    const segments = (rs: readonly RequestRecord[]) => rs.filter((r) => r.kind === 'segment');
    const a = shieldHitRatio(segments(off));
    const b = shieldHitRatio(segments(on));
    metrics.add('prefetch_live_shield_hit_ratio_gain', b.hitRatio - a.hitRatio);
    const origin = (target: string, rs: readonly RequestRecord[]) => {
      const counts = originCounts[target];
      if (counts === undefined) return undefined;
      const asked = new Set(rs.map((r) => r.object));
      const segments = [...counts.entries()].filter(([k]) => k.endsWith('.ts'));
      return {
        segmentRequests: segments.reduce((s, [, c]) => s + c.requests, 0),
        uniqueSegments: segments.length,
        maxPerSegment: Math.max(0, ...segments.map(([, c]) => c.requests)),
        prefetchedUnused: segments.filter(([k]) => !asked.has(k)).length,
      };
    };
    const round = (x: number) => Math.round(x * 10_000) / 10_000;
    return {
      prefetchSegments: PREFETCH,
      off: {
        shieldSegmentRequests: a.requests,
        shieldHitRatio: round(a.hitRatio),
        origin: origin('edge', off),
      },
      on: {
        shieldSegmentRequests: b.requests,
        shieldHitRatio: round(b.hitRatio),
        origin: origin('prefetch', on),
      },
    };
  },
};
