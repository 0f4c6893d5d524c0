/** Expired objects: stale-while-revalidate, conditional revalidation, stale-if-error, negative caching. */
import { afterEach, describe, expect, it } from 'vitest';
import { type Pair, send, startPair } from './helpers.ts';

let pair: Pair | undefined;
afterEach(async () => {
  await pair?.close();
  pair = undefined;
});

const settle = () => new Promise((r) => setTimeout(r, 100));

describe('expired objects', () => {
  it('serves an expired storm stale with one background refresh, then the refreshed object', async () => {
    let clock = 1_000_000;
    pair = await startPair({}, { now: () => clock });
    const p = pair;
    p.upstream.route('/pl.m3u8', { body: 'v1', headers: { 'cache-control': 'max-age=10' } });
    await send(p.shield.url, '/pl.m3u8');
    p.upstream.route('/pl.m3u8', { body: 'v2', headers: { 'cache-control': 'max-age=10' }, delayMs: 300 });
    clock += 12_000; // past max-age, inside the SWR window (default 60 s capped at the 10 s lifetime)
    const storm = await Promise.all(Array.from({ length: 200 }, () => send(p.shield.url, '/pl.m3u8')));
    const seen = storm.map((r) => `${r.header('x-cache')} ${r.body.toString()}`);
    // Stale until the one refresh lands (a slow machine may finish it mid-storm), never a miss.
    expect(seen[0]).toBe('STALE v1');
    expect(seen.every((s) => s === 'STALE v1' || s === 'HIT v2')).toBe(true);
    while (p.upstream.count('/pl.m3u8') < 2) await settle();
    await new Promise((r) => setTimeout(r, 400));
    expect(p.upstream.count('/pl.m3u8')).toBe(2);
    const after = await send(p.shield.url, '/pl.m3u8');
    expect(after.header('x-cache')).toBe('HIT');
    expect(after.body.toString()).toBe('v2');
  });

  it('collapses a storm past the SWR window into one upstream request', async () => {
    let clock = 1_000_000;
    pair = await startPair({}, { now: () => clock });
    const p = pair;
    p.upstream.route('/pl.m3u8', { body: 'v1', headers: { 'cache-control': 'max-age=10' } });
    await send(p.shield.url, '/pl.m3u8');
    p.upstream.route('/pl.m3u8', { body: 'v2', headers: { 'cache-control': 'max-age=10' }, delayMs: 150 });
    clock += 30_000;
    const storm = await Promise.all(Array.from({ length: 100 }, () => send(p.shield.url, '/pl.m3u8')));
    expect(storm.every((r) => r.body.toString() === 'v2')).toBe(true);
    expect(storm.filter((r) => r.header('x-cache') === 'MISS')).toHaveLength(1);
    expect(p.upstream.count('/pl.m3u8')).toBe(2);
  });

  it('revalidates with If-None-Match and refreshes the object from a 304 without a body', async () => {
    let clock = 1_000_000;
    pair = await startPair({ SHIELD_STALE_WHILE_REVALIDATE_SEC: '0' }, { now: () => clock });
    const p = pair;
    const headers = {
      'cache-control': 'max-age=5',
      etag: '"v1"',
      'content-type': 'application/vnd.apple.mpegurl',
    };
    p.upstream.route('/r.m3u8', { body: '#EXTM3U\n', headers });
    await send(p.shield.url, '/r.m3u8');
    p.upstream.route('/r.m3u8', { status: 304, headers: { 'cache-control': 'max-age=60', etag: '"v1"' } });
    clock += 6_000;
    const revalidated = await send(p.shield.url, '/r.m3u8');
    expect(revalidated.status).toBe(200);
    expect(revalidated.body.toString()).toBe('#EXTM3U\n');
    expect(revalidated.header('content-type')).toBe('application/vnd.apple.mpegurl');
    expect(p.upstream.requests[1]?.headers['if-none-match']).toBe('"v1"');
    clock += 30_000; // fresh again for 60 s thanks to the 304's Cache-Control
    const hit = await send(p.shield.url, '/r.m3u8');
    expect(hit.header('x-cache')).toBe('HIT');
    expect(hit.header('cache-control')).toBe('max-age=60');
    expect(p.upstream.count('/r.m3u8')).toBe(2);
  });

  it('sends If-Modified-Since when the object only has Last-Modified', async () => {
    let clock = 1_000_000;
    pair = await startPair({ SHIELD_STALE_WHILE_REVALIDATE_SEC: '0' }, { now: () => clock });
    const lm = 'Wed, 21 Oct 2026 07:28:00 GMT';
    pair.upstream.route('/lm.ts', {
      body: 'x',
      headers: { 'cache-control': 'max-age=1', 'last-modified': lm },
    });
    await send(pair.shield.url, '/lm.ts');
    clock += 2_000;
    await send(pair.shield.url, '/lm.ts');
    expect(pair.upstream.requests[1]?.headers['if-modified-since']).toBe(lm);
  });

  it('serves stale within SHIELD_STALE_IF_ERROR_SEC when the upstream fails, and the error after it', async () => {
    let clock = 1_000_000;
    pair = await startPair(
      { SHIELD_STALE_WHILE_REVALIDATE_SEC: '0', SHIELD_STALE_IF_ERROR_SEC: '60' },
      { now: () => clock },
    );
    pair.upstream.route('/e.m3u8', { body: 'good', headers: { 'cache-control': 'max-age=5' } });
    await send(pair.shield.url, '/e.m3u8');
    pair.upstream.route('/e.m3u8', { status: 500, body: 'boom' });
    clock += 20_000;
    const stale = await send(pair.shield.url, '/e.m3u8');
    expect(stale.status).toBe(200);
    expect(stale.header('x-cache')).toBe('STALE');
    expect(stale.body.toString()).toBe('good');
    clock += 60_000;
    expect((await send(pair.shield.url, '/e.m3u8')).status).toBe(502);
  });

  it('remembers a 404 for SHIELD_NEGATIVE_TTL_SEC and asks again after it', async () => {
    let clock = 1_000_000;
    pair = await startPair({ SHIELD_NEGATIVE_TTL_SEC: '5' }, { now: () => clock });
    const first = await send(pair.shield.url, '/nope.ts');
    const second = await send(pair.shield.url, '/nope.ts');
    expect(first.status).toBe(404);
    expect(second.status).toBe(404);
    expect(second.header('x-cache')).toBe('HIT');
    expect((second.json() as { code: string }).code).toBe('SHIELD_ERR_NOT_FOUND');
    expect(pair.upstream.count('/nope.ts')).toBe(1);
    clock += 6_000;
    await send(pair.shield.url, '/nope.ts');
    expect(pair.upstream.count('/nope.ts')).toBe(2);
  });
});
