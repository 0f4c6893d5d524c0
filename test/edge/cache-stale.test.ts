/**
 * Stale-while-revalidate and stale-if-error at the edge (RFC 5861), which the Cache API lacks:
 * freshness metadata is stored with the object and one background refresh runs in waitUntil.
 * Uses real time (max-age=1 objects, ~1.2 s waits); asserts on counts, never on durations.
 */
import { describe, expect, it } from 'vitest';
import { useEdgeWithShield, waitUntilCached } from './edge-worker.ts';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const SHORT = { 'content-type': 'video/mp2t', 'cache-control': 'public, max-age=1' };

const { shield, edge } = useEdgeWithShield({
  AUTH_MODE: 'off',
  SHIELD_TIMEOUT_MS: '3000',
  CACHE_SWR_S: '10',
  CACHE_STALE_IF_ERROR_S: '30',
});

async function until(check: () => boolean | Promise<boolean>, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await sleep(20);
  }
}

/** The body the edge cache holds for `path` now, if any. */
async function cachedText(path: string): Promise<string | undefined> {
  const caches = await edge().mf.getCaches();
  return (await caches.default.match(`https://edge.test${path}`))?.text();
}

describe('stale-while-revalidate', () => {
  it('serves stale to concurrent viewers while exactly one background refresh runs', async () => {
    const path = '/vod/swr/seg.ts';
    shield().route(path, { body: 'version-1', headers: SHORT });
    await (await edge().fetch(path)).text();
    await waitUntilCached(edge(), path);
    await sleep(1200);
    // The refresh is held long enough that all ten viewers certainly arrive while it runs, and its
    // answer stays fresh for a minute, so the read below is a HIT however late a loaded box makes it.
    shield().route(path, {
      body: 'version-2',
      headers: { ...SHORT, 'cache-control': 'public, max-age=60' },
      delayMs: 1000,
    });

    const stale = await Promise.all(Array.from({ length: 10 }, () => edge().fetch(path)));
    const texts = await Promise.all(stale.map((r) => r.text()));
    expect(stale.map((r) => r.headers.get('x-cache'))).toEqual(Array(10).fill('STALE'));
    expect(new Set(texts)).toEqual(new Set(['version-1']));
    expect(Number(stale[0]?.headers.get('age'))).toBeGreaterThanOrEqual(1);

    await until(() => shield().count(path) === 2);
    // The refreshed copy has landed in the cache (its put runs in waitUntil after the refresh).
    await until(() => cachedText(path).then((text) => text === 'version-2'));
    const fresh = await edge().fetch(path);
    expect(await fresh.text()).toBe('version-2');
    expect(fresh.headers.get('x-cache')).toBe('HIT');
    expect(shield().count(path)).toBe(2);
  });

  it("restores the origin's Cache-Control for viewers and hides edge metadata", async () => {
    const path = '/vod/swr/headers.ts';
    shield().route(path, { body: 'x', headers: SHORT });
    await (await edge().fetch(path)).text();
    await waitUntilCached(edge(), path);
    const hit = await edge().fetch(path);
    await hit.text();
    expect(hit.headers.get('cache-control')).toBe('public, max-age=1');
    expect([...hit.headers.keys()].filter((k) => k.startsWith('x-edgeshield-'))).toEqual([]);
  });
});

describe('stale-if-error', () => {
  it('serves the stale copy when every shield fails, inside the window', async () => {
    const path = '/vod/sie/seg.ts';
    // No SWR for this object (origin says 0), so an expired copy goes to the shield first.
    const headers = { ...SHORT, 'cache-control': 'public, max-age=1, stale-while-revalidate=0' };
    shield().route(path, { body: 'good-bytes', headers });
    await (await edge().fetch(path)).text();
    await waitUntilCached(edge(), path);
    await sleep(1200);
    shield().route(path, { status: 503, body: 'down' });

    const res = await edge().fetch(path);
    expect(res.status).toBe(200);
    expect(await res.text()).toBe('good-bytes');
    expect(res.headers.get('x-cache')).toBe('STALE');
    expect(shield().count(path)).toBe(2);
  });

  it('answers 502 when the shield fails and nothing stale is within the window', async () => {
    const path = '/vod/sie/never.ts';
    shield().route(path, { status: 503, body: 'down' });
    const res = await edge().fetch(path);
    expect(res.status).toBe(502);
    expect(res.headers.get('x-cache')).toBe('BYPASS');
    await res.text();
  });
});
