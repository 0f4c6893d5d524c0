/**
 * expired-storm — synchronized bursts of clients released together just after a cached object's TTL
 * boundary: a live media playlist (origin Cache-Control max-age=1, so the edge and the shield keep it
 * ~1 s). Round 0 fills the caches cold; each later round waits until the last fill + TTL + a small
 * margin, then releases CLIENTS requests in the same tick. Several rounds.
 *
 * Failure mode reproduced: the expiry thundering herd — every request arriving between expiry and
 * refill goes upstream, so the tier above sees up to CLIENTS identical fetches per expiry.
 * Good looks like: 1.0 fetch per expiry per tier — the shield sees one edge refill (MISS then
 * COALESCED followers, or one background refresh behind STALE answers) and the packager one shield
 * refill (counted by the counting proxy, background refreshes included) — and no errors.
 *
 * A round whose answers were all HIT came before the boundary (the caches had not expired yet): it
 * is reported (`rounds_before_expiry`) and not counted as an expiry.
 */
import { isHit } from '../lib/record.ts';
import type { BenchResponse, IterationContext, Scenario } from '../scenario.ts';

const PLAYLIST = '/live/ts/360p/index.m3u8';
const CLIENTS = 200;
const ROUNDS = 6;
/** After the TTL boundary: covers the refill's own latency, so the object really is expired. */
const MARGIN_MS = 150;

/** max-age of a response in ms (the edge's TTL follows the origin's max-age for live playlists). */
function maxAgeMs(res: BenchResponse | undefined): number {
  const m = /max-age=(\d+)/.exec(res?.headers['cache-control'] ?? '');
  return m?.[1] === undefined ? 1000 : Number(m[1]) * 1000;
}

/**
 * Edge → shield fetches one burst caused, from the edge's x-cache: each MISS/BYPASS is its own
 * upstream request (followers of a single flight answer COALESCED); STALE answers share at most one
 * background refresh when SWR works, so they count once. A lower bound when SWR misbehaves: the
 * packager count (counting proxy) is the exact one.
 */
export function edgeFetchesOf(caches: readonly (string | undefined)[]): number {
  const misses = caches.filter((c) => c === 'MISS' || c === 'BYPASS').length;
  return misses + (caches.some((c) => c === 'STALE') ? 1 : 0);
}

async function storm(ctx: IterationContext): Promise<void> {
  let releaseAt = ctx.now();
  for (let round = 0; round < ROUNDS && !ctx.signal.aborted && ctx.now() < ctx.deadline; round++) {
    await ctx.sleep(releaseAt - ctx.now());
    const released = ctx.now();
    // Released in the same tick: every request is in flight before the first answer can come back.
    const answers = await Promise.all(
      Array.from({ length: CLIENTS }, () => ctx.get(PLAYLIST, { tags: { round: String(round) } })),
    );
    const ok = answers.filter((a) => a.status === 200);
    ctx.check('playlist status is 200', ok.length === answers.length);
    const caches = ok.map((a) => a.headers['x-cache']);
    const expired = round > 0 && caches.some((c) => !isHit(c) || c === 'STALE');
    if (round > 0) ctx.add(expired ? 'expiry_rounds' : 'rounds_before_expiry', 1);
    if (expired || round === 0) {
      ctx.add('expiry_edge_fetches', edgeFetchesOf(caches), { round: String(round) });
      // The refill landed about when the first answer that was not a plain HIT came back.
      const fill = Math.min(
        ...ok.filter((a) => a.headers['x-cache'] !== 'HIT').map((a) => a.record.t + a.record.ttfb),
      );
      releaseAt = (Number.isFinite(fill) ? fill : released) + maxAgeMs(ok[0]) + MARGIN_MS;
    } else releaseAt = ctx.now() + 100; // still fresh: try again shortly after
  }
}

export const expiredStorm: Scenario = {
  name: 'expired-storm',
  description: `${CLIENTS} clients released together just after a live playlist's TTL (max-age=1) boundary, ${ROUNDS} rounds. Reproduces the expiry thundering herd. Good: 1.0 fetch per expiry per tier (edge->shield and shield->packager), no errors.`,
  options: {
    scenarios: {
      storm: { executor: 'per-vu-iterations', vus: 1, iterations: 1, maxDuration: '30s' },
    },
    thresholds: {
      origin_fetches_per_expiry: ['value<=1.0'],
      shield_fetches_per_expiry: ['value<=1.0'],
      expiry_rounds: ['count>=3'],
      http_req_failed: ['rate<0.01'],
    },
  },
  metrics: {
    origin_fetches_per_expiry: 'gauge',
    shield_fetches_per_expiry: 'gauge',
    expiry_rounds: 'counter',
    rounds_before_expiry: 'counter',
    expiry_edge_fetches: 'trend',
  },
  exec: { default: storm },
  finish({ records, metrics, originCounts }) {
    const rs = records.filter((r) => r.target === 'edge' && r.object === PLAYLIST);
    if (rs.length === 0) return undefined;
    const expiries = metrics.raw({ name: 'expiry_rounds', tags: {} })?.values.length ?? 0;
    const edgeFetches = metrics.raw({ name: 'expiry_edge_fetches', tags: {} })?.values ?? [];
    const coldEdge = edgeFetches[0] ?? 0;
    const edgeAfterCold = edgeFetches.slice(1).reduce((a, b) => a + b, 0);
    // The counting proxy also sees background refreshes (SWR) that no response header reports.
    const counted = originCounts.edge?.get(PLAYLIST)?.requests;
    const originAfterCold = counted === undefined ? undefined : Math.max(0, counted - 1);
    if (expiries > 0) {
      metrics.add('shield_fetches_per_expiry', edgeAfterCold / expiries);
      if (originAfterCold !== undefined) metrics.add('origin_fetches_per_expiry', originAfterCold / expiries);
    }
    return {
      playlist: PLAYLIST,
      clientsPerBurst: CLIENTS,
      rounds: ROUNDS,
      expiries,
      requests: rs.length,
      coldFill: {
        edgeFetches: coldEdge,
        originFetches: counted === undefined ? undefined : Math.min(1, counted),
      },
      edgeFetchesPerRound: edgeFetches,
      originFetchesAfterCold: originAfterCold,
      cacheMix: Object.fromEntries(
        [...new Set(rs.map((r) => r.cache ?? '-'))].map((c) => [
          c,
          rs.filter((r) => (r.cache ?? '-') === c).length,
        ]),
      ),
    };
  },
};
