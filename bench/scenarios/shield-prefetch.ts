/**
 * shield-prefetch (issue 6) — the same seeded VOD trace twice, each on its own cold stack: first with
 * the shield's playlist prefetch off (SHIELD_PREFETCH_SEGMENTS=0, the bench's stack, target `edge`),
 * then on (SHIELD_PREFETCH_SEGMENTS=3, a second stack from setup, target `prefetch`). Every request
 * goes packager → counting proxy → shield → edge, so the proxy counts what prefetch really costs.
 *
 * Failure modes reproduced: prefetch that does not help (the first segments after a playlist still
 * miss at the shield) and prefetch that costs origin load (a prefetched object fetched again when a
 * viewer asks for it while the prefetch runs, or again later).
 * Good looks like: the shield hit ratio (over edge misses) rises with prefetch, and packager requests
 * per unique object stay at 1.0 in both runs (`origin_requests_per_object` max ≤ 1.0).
 * Prefetched objects that no viewer asked for are reported (`prefetchedUnused`): that is the price.
 * Live is not in this scenario: a VOD trace has a fixed answer to "which objects were needed".
 */

import { titleMaster } from '../lib/catalogue.ts';
import { phaseStats, traceMismatch } from '../lib/phase-compare.ts';
import { createRandom, seedOf } from '../lib/prng.ts';
import { isHit, type RequestRecord } from '../lib/record.ts';
import { createZipf } from '../lib/zipf.ts';
import { makeViewer, PLAYER_METRICS, play } from '../player.ts';
import type { IterationContext, Scenario } from '../scenario.ts';

const TITLES = 40;
const PREFETCH = 3;
const zipf = createZipf(TITLES, 0.9);

/** Shield request hit ratio: of the edge's misses (requests that reached the shield), how many it answered. */
export function shieldHitRatio(records: readonly RequestRecord[]): { requests: number; hitRatio: number } {
  const toShield = records.filter((r) => r.status === 200 && r.cache !== undefined && !isHit(r.cache));
  const hits = toShield.filter((r) => isHit(r.shieldCache)).length;
  return { requests: toShield.length, hitRatio: toShield.length ? hits / toShield.length : 0 };
}

async function session(ctx: IterationContext, target: 'edge' | 'prefetch'): Promise<void> {
  // Same trace in both runs: every draw depends on (run seed, vu, iteration), not the executor.
  const random = createRandom(seedOf('shield-prefetch', ctx.runSeed, ctx.vu, ctx.iteration));
  const title = zipf(random);
  const segments = 4 + Math.floor(random() * 6);
  const viewer = await makeViewer(ctx, { random });
  const on = target === 'prefetch' && ctx.targets.prefetch !== undefined;
  await play(ctx, viewer, {
    masterPath: titleMaster(title),
    maxSegments: segments,
    // A player that buffers ahead a little: gives a prefetch the time it has in real playback.
    maxBufferSec: 4,
    ...(on ? { target: 'prefetch' } : {}),
  });
}

export const shieldPrefetch: Scenario = {
  name: 'shield-prefetch',
  description: `Same seeded VOD trace with shield prefetch off (SHIELD_PREFETCH_SEGMENTS=0) then on (=${PREFETCH}), each on its own cold stack. Reproduces prefetch that does not raise the shield hit ratio or that costs extra origin fetches. Good: shield hit ratio higher with prefetch, packager requests per object max 1.0 in both.`,
  options: {
    scenarios: {
      off: { executor: 'per-vu-iterations', vus: 4, iterations: 3, maxDuration: '25s', exec: 'off' },
      on: {
        executor: 'per-vu-iterations',
        vus: 4,
        iterations: 3,
        maxDuration: '25s',
        exec: 'on',
        startTime: '26s',
      },
    },
    thresholds: {
      prefetch_shield_hit_ratio_gain: ['value>0'],
      prefetch_trace_mismatch: ['value==0'],
      'origin_requests_per_object{target:edge}': ['max<=1.0'],
      'origin_requests_per_object{target:prefetch}': ['max<=1.0'],
      http_req_failed: ['rate<0.01'],
    },
  },
  metrics: { ...PLAYER_METRICS, prefetch_shield_hit_ratio_gain: 'gauge', prefetch_trace_mismatch: 'gauge' },
  stack: { catalogueTitles: TITLES, shieldEnv: { SHIELD_PREFETCH_SEGMENTS: '0' } },
  privateStack: 'shield-prefetch compares two cold stacks with counted origins',
  async setup({ startStack }) {
    if (startStack === undefined)
      return {
        notes: [
          'shield-prefetch needs the bench to start its stacks (no --target): the "on" run used the same target',
        ],
      };
    const on = await startStack({
      catalogueTitles: TITLES,
      shieldEnv: { SHIELD_PREFETCH_SEGMENTS: String(PREFETCH) },
    });
    return {
      targets: { prefetch: on.edgeUrl },
      originCounters: { prefetch: on.origin },
      notes: [
        `shield-prefetch: "off" on the bench stack (SHIELD_PREFETCH_SEGMENTS=0), "on" on a second stack (=${PREFETCH})`,
      ],
      cleanup: () => on.stop(),
    };
  },
  exec: {
    off: (ctx) => session(ctx, 'edge'),
    on: (ctx) => session(ctx, 'prefetch'),
  },
  finish({ records, metrics, originCounts, notes }) {
    const off = records.filter((r) => r.scenario === 'off');
    const on = records.filter((r) => r.scenario === 'on');
    const asEdge = (rs: RequestRecord[]) => rs.map((r) => ({ ...r, target: 'edge' }));
    const a = shieldHitRatio(off);
    const b = shieldHitRatio(on);
    const mismatch = traceMismatch(asEdge(off), asEdge(on), (o) => o);
    metrics.add('prefetch_shield_hit_ratio_gain', b.hitRatio - a.hitRatio);
    metrics.add('prefetch_trace_mismatch', mismatch);
    const perObject = (target: string, rs: readonly RequestRecord[]) => {
      const counts = originCounts[target];
      if (counts === undefined) return undefined;
      const asked = new Set(rs.map((r) => r.object));
      const requests = [...counts.values()].reduce((s, c) => s + c.requests, 0);
      const unused = [...counts.keys()].filter((k) => !asked.has(k));
      return {
        packagerRequests: requests,
        uniqueObjects: counts.size,
        requestsPerObject: counts.size ? Math.round((requests / counts.size) * 1000) / 1000 : 0,
        maxPerObject: Math.max(0, ...[...counts.values()].map((c) => c.requests)),
        prefetchedUnused: unused.length,
      };
    };
    if (mismatch > 0)
      notes.push(`shield-prefetch: the runs requested different objects (${mismatch} unpaired)`);
    const round = (x: number) => Math.round(x * 10_000) / 10_000;
    return {
      prefetchSegments: PREFETCH,
      off: {
        shieldRequests: a.requests,
        shieldHitRatio: round(a.hitRatio),
        edge: phaseStats(asEdge(off)).edgeHitRatio,
        origin: perObject('edge', off),
      },
      on: {
        shieldRequests: b.requests,
        shieldHitRatio: round(b.hitRatio),
        edge: phaseStats(asEdge(on)).edgeHitRatio,
        origin: perObject('prefetch', on),
      },
      traceMismatch: mismatch,
    };
  },
};
