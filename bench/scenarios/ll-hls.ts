/**
 * ll-hls — live viewers on the LL-HLS stream using blocking playlist reloads (`_HLS_msn`, RFC 8216bis
 * §6.2.5.2) and preload hints, at scale. Tolerates a stack without LL-HLS: setup probes
 * /llhls/ts/master.m3u8 and, when it is absent, runs the same viewers on /live/ts with ordinary
 * reloads and says so in the notes (the packager's /llhls/ mode comes from the edge-caching work).
 *
 * Failure mode reproduced: blocking reloads keyed badly (every viewer's _HLS_msn request a separate
 * origin hold, or token/CMCD in the key) multiply origin load at the live edge by the audience size.
 * Good looks like: each (playlist, _HLS_msn) object fetched from the origin once (at most twice), no
 * stalls, no errors.
 *
 * Why blocking answers and tune-in playlists are judged apart: the plain `index.m3u8` (each viewer's
 * first, non-blocking request) must be current to within a part, so the edge keeps it ½ part target
 * (250 ms) and every 250 ms window with a joining viewer is one origin fetch by design; its count
 * follows the join pattern, not a defect. A blocking answer (`_HLS_msn=M`) stays correct as long as M
 * is in the window (RFC 8216bis §6.2.5.2: "M or later"), so it should reach the origin once: the held
 * request. A second fetch is allowed for a viewer that asks after the edge's blocking-reload TTL
 * (1 × target duration) and triggers one stale-while-revalidate refresh; avg ≤ 1.2 catches that
 * happening systematically (it did for every object while the packager sent max-age=1 on them).
 *
 * The viewers play PARTS (bench/player-ll.ts): every EXT-X-PART in order, and at the live edge the
 * preload-hint part plus, in parallel, a blocking reload `_HLS_msn=M&_HLS_part=P` for it (hls.js
 * lowLatencyMode). Parts are immutable and many viewers wait on the same unpublished part, so the
 * edge and shield must coalesce them: `part_origin_requests` (origin fetches per part) goal 1.0.
 */
import { makeViewer, PLAYER_METRICS } from '../player.ts';
import { LL_PLAYER_METRICS, playLowLatency } from '../player-ll.ts';
import type { Scenario } from '../scenario.ts';

const LL_MASTER = '/llhls/ts/master.m3u8';

export const llHls: Scenario = {
  name: 'll-hls',
  description:
    'Live viewers with LL-HLS blocking reloads (_HLS_msn) and preload hints. Reproduces per-viewer blocking-reload fan-out to origin. Good: each blocking-reload object fetched from origin once (max 2, avg <= 1.2), no stalls. Falls back to /live/ts with a note when the stack has no /llhls/.',
  options: {
    scenarios: {
      viewers: {
        executor: 'ramping-vus',
        startVUs: 5,
        stages: [
          { duration: '5s', target: 20 },
          { duration: '15s', target: 20 },
        ],
      },
    },
    thresholds: {
      blocking_reload_origin_requests: ['max<=2', 'avg<=1.2'],
      part_origin_requests: ['max<=1.0'],
      part_requests: ['count>0'],
      http_req_failed: ['rate<0.01'],
    },
  },
  metrics: {
    ...PLAYER_METRICS,
    ...LL_PLAYER_METRICS,
    blocking_reload_origin_requests: 'trend',
    part_origin_requests: 'trend',
  },
  async setup({ targets }) {
    const res = await fetch(new URL(LL_MASTER, targets.edge), { signal: AbortSignal.timeout(10_000) }).catch(
      () => undefined,
    );
    await res?.body?.cancel();
    if (res?.status === 200)
      return { params: { master: LL_MASTER }, notes: ['LL-HLS stream found at /llhls/'] };
    return {
      params: { master: '/live/ts/master.m3u8' },
      notes: [
        `no LL-HLS stream at ${LL_MASTER} (status ${res?.status ?? 'unreachable'}): ran regular live with playlist polling instead; blocking reloads not exercised`,
      ],
    };
  },
  finish({ originCounts, metrics, records }) {
    const perObject = [...(originCounts.edge ?? new Map())].filter(([key]) => key.includes('_HLS_msn='));
    for (const [, c] of perObject) metrics.add('blocking_reload_origin_requests', c.requests, {});
    const parts = [...(originCounts.edge ?? new Map())].filter(([key]) => /\.p\d+\.ts$/.test(key));
    for (const [, c] of parts) metrics.add('part_origin_requests', c.requests, {});
    const partRecords = records.filter((r) => r.target === 'edge' && /\.p\d+\.ts$/.test(r.object));
    const partSummary = {
      viewerPartRequests: partRecords.length,
      uniqueParts: new Set(partRecords.map((r) => r.object)).size,
      originFetches: parts.reduce((a, [, c]) => a + c.requests, 0),
      partsFetchedFromOriginTwiceOrMore: parts.filter(([, c]) => c.requests > 1).map(([k]) => k),
    };
    const tuneIn = [...(originCounts.edge ?? new Map())]
      .filter(([key]) => key.endsWith('/index.m3u8'))
      .map(([key, c]) => ({ object: key, originRequests: c.requests }));
    const repeated = perObject.filter(([, c]) => c.requests > 1).map(([key]) => key);
    return { tuneInPlaylists: tuneIn, blockingAnswersFetchedTwiceOrMore: repeated, parts: partSummary };
  },
  exec: {
    async default(ctx) {
      const viewer = await makeViewer(ctx, { tokens: true, cmcd: 'query' });
      await playLowLatency(ctx, viewer, {
        masterPath: ctx.params.master ?? '/live/ts/master.m3u8',
        maxSegments: 1_000,
        maxParts: 10_000,
        maxBufferSec: 4,
      });
      await ctx.sleep(ctx.deadline - ctx.now());
    },
  },
};
