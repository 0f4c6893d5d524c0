/**
 * expired-storm — 60 requests/s (constant-arrival-rate) for one live media playlist, whose origin
 * Cache-Control is max-age=1: every second the cached copy expires while clients keep asking.
 *
 * Failure mode reproduced: the expiry thundering herd — every request arriving between expiry and
 * refill goes upstream, so the origin sees bursts of identical playlist fetches each TTL.
 * Good looks like: origin fetches per TTL window ≤ 1 (≈ one refill per expiry, coalesced or served
 * stale-while-revalidate), edge→shield refills per window close to 1, and no errors.
 */
import { isHit } from '../lib/record.ts';
import type { Scenario } from '../scenario.ts';

const PLAYLIST = '/live/ts/360p/index.m3u8';
const TTL_SEC = 1;

export const expiredStorm: Scenario = {
  name: 'expired-storm',
  description:
    'Many clients request one live playlist (max-age=1) continuously, so requests pile up right after each expiry. Reproduces the expiry thundering herd. Good: origin fetches per TTL window <= 1.',
  options: {
    scenarios: {
      storm: {
        executor: 'constant-arrival-rate',
        rate: 60,
        timeUnit: '1s',
        duration: '20s',
        preAllocatedVUs: 30,
        maxVUs: 60,
      },
    },
    thresholds: {
      origin_fetches_per_expiry: ['value<=1.0'],
      http_req_failed: ['rate<0.01'],
    },
  },
  metrics: { origin_fetches_per_expiry: 'gauge', shield_fetches_per_expiry: 'gauge' },
  exec: {
    async default(ctx) {
      const res = await ctx.get(PLAYLIST, { text: false });
      ctx.check('playlist status is 200', res.status === 200);
    },
  },
  finish({ records, metrics, originCounts }) {
    const rs = records.filter((r) => r.target === 'edge' && r.object === PLAYLIST);
    if (rs.length === 0) return undefined;
    const windows = Math.max(
      1,
      (Math.max(...rs.map((r) => r.t)) - Math.min(...rs.map((r) => r.t))) / 1000 / TTL_SEC,
    );
    const toShield = rs.filter((r) => r.cache !== undefined && !isHit(r.cache)).length;
    // The counting proxy also sees background refreshes (SWR) that no response header reports.
    const counted = originCounts.edge?.get(PLAYLIST)?.requests;
    const toOrigin =
      counted ?? rs.filter((r) => r.cache !== undefined && !isHit(r.cache) && !isHit(r.shieldCache)).length;
    metrics.add('origin_fetches_per_expiry', toOrigin / windows);
    metrics.add('shield_fetches_per_expiry', toShield / windows);
    return {
      playlist: PLAYLIST,
      ttlSec: TTL_SEC,
      windows: Math.round(windows),
      requests: rs.length,
      edgeMisses: toShield,
      originFetches: toOrigin,
    };
  },
};
