/**
 * Shield selection: rendezvous hashing of the cache key over SHIELD_URLS (each object fetched by one
 * shield), failover to the next, and the health memory that stops retrying a failed shield first.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rendezvousOwner } from '../../src/core/cache/rendezvous.ts';
import { type CountingUpstream, startCountingUpstream } from '../fixtures/counting-upstream.ts';
import { EDGE, type EdgeWorker, startEdgeWorker } from './edge-worker.ts';

const BODY = {
  body: 'bytes',
  headers: { 'cache-control': 'public, max-age=60', 'content-type': 'video/mp2t' },
};
const PATHS = Array.from({ length: 24 }, (_, i) => `/vod/hrw/seg_${i}.ts`);
const keyOf = (path: string) => `https://${new URL(EDGE).host}${path}`;

describe('rendezvous over two healthy shields', () => {
  let a: CountingUpstream;
  let b: CountingUpstream;
  let edge: EdgeWorker;
  beforeAll(async () => {
    a = await startCountingUpstream();
    b = await startCountingUpstream();
    for (const path of PATHS) {
      a.route(path, BODY);
      b.route(path, BODY);
    }
    edge = await startEdgeWorker({ AUTH_MODE: 'off', SHIELD_URLS: `${a.url},${b.url}` });
  });
  afterAll(async () => {
    await edge?.dispose();
    await a?.close();
    await b?.close();
  });

  it('sends each object to the shield that owns its cache key, and only there', async () => {
    for (const path of PATHS) await (await edge.fetch(`${path}?token=t`)).text();
    const shields = [a.url, b.url];
    for (const path of PATHS) {
      const owner = rendezvousOwner(keyOf(path), shields);
      expect(a.count(path) + b.count(path)).toBe(1);
      expect((owner === a.url ? a : b).count(path)).toBe(1);
    }
    // Both shields own some of 24 keys (probability of all on one: 2 × 2^-24).
    expect(a.requests.length).toBeGreaterThan(0);
    expect(b.requests.length).toBeGreaterThan(0);
  });
});

describe('failover with health memory', () => {
  let sick: CountingUpstream;
  let healthy: CountingUpstream;
  let edge: EdgeWorker;
  beforeAll(async () => {
    sick = await startCountingUpstream();
    healthy = await startCountingUpstream();
    for (const path of PATHS) {
      sick.route(path, { status: 503, body: 'down' });
      healthy.route(path, BODY);
    }
    edge = await startEdgeWorker({
      AUTH_MODE: 'off',
      SHIELD_URLS: `${sick.url},${healthy.url}`,
      SHIELD_COOLDOWN_S: '60',
    });
  });
  afterAll(async () => {
    await edge?.dispose();
    await sick?.close();
    await healthy?.close();
  });

  it('fails over to the next shield, then skips the failed one while it cools down', async () => {
    const shields = [sick.url, healthy.url];
    const owned = PATHS.filter((p) => rendezvousOwner(keyOf(p), shields) === sick.url);
    expect(owned.length).toBeGreaterThan(1);
    for (const path of owned) {
      const res = await edge.fetch(path);
      expect(res.status).toBe(200);
      expect(await res.text()).toBe('bytes');
    }
    // Only the first object it owns found out the hard way; the rest went straight to the healthy one.
    expect(sick.requests.length).toBe(1);
    expect(owned.every((p) => healthy.count(p) === 1)).toBe(true);
  });
});
