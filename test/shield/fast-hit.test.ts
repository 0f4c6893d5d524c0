/** The synchronous hit path (origin/routes/fast-hit.ts) answers exactly like the full path. */
import { afterEach, describe, expect, it } from 'vitest';
import type { CachedObject } from '../../origin/cache/store.ts';
import { encodeHitHead } from '../../origin/lane/hit-head.ts';
import { createHitLookup } from '../../origin/lane/hit-lookup.ts';
import type { Logger } from '../../origin/log.ts';
import { IMMUTABLE, type Pair, type RawResponse, send, startPair } from './helpers.ts';

const pairs: Pair[] = [];
afterEach(async () => {
  for (const p of pairs.splice(0)) await p.close();
});

/** A logger with debug enabled forces every request through the full async path (access lines). */
const debugLogger: Logger = {
  debug: () => {},
  info: () => {},
  warn: () => {},
  error: () => {},
  enabled: () => true,
};

async function pair(env: Record<string, string> = {}, slow = false): Promise<Pair> {
  const p = await startPair(env, slow ? { logger: debugLogger } : {});
  pairs.push(p);
  p.upstream.route('/v/a.ts', {
    body: 'segment-bytes',
    headers: { ...IMMUTABLE, etag: '"e1"', 'last-modified': 'Wed, 01 Jan 2025 00:00:00 GMT' },
  });
  return p;
}

const comparable = (r: RawResponse) => {
  const { date: _d, 'server-timing': timing, ...rest } = r.headers;
  return {
    status: r.status,
    headers: rest,
    timing: String(timing).replace(/dur=[\d.]+/, 'dur=N'),
    body: r.body,
  };
};

describe('fast hit path', () => {
  it('sends the same status, headers and body as the full path for GET and HEAD hits', async () => {
    const fast = await pair();
    const slow = await pair({}, true);
    for (const method of ['GET', 'HEAD']) {
      const opts = { method, headers: { origin: 'https://player.example' } };
      await send(fast.shield.url, '/v/a.ts');
      await send(slow.shield.url, '/v/a.ts');
      const a = await send(fast.shield.url, '/v/a.ts', opts);
      const b = await send(slow.shield.url, '/v/a.ts', opts);
      expect(a.header('x-cache')).toBe('HIT');
      expect(comparable(a)).toEqual(comparable(b));
    }
    expect(fast.upstream.count('/v/a.ts')).toBe(1);
  });

  it('leaves Range requests to the full path (206 from the cache)', async () => {
    const p = await pair();
    await send(p.shield.url, '/v/a.ts');
    const r = await send(p.shield.url, '/v/a.ts', { headers: { Range: 'bytes=0-6' } });
    expect(r.status).toBe(206);
    expect(r.body.toString()).toBe('segment');
  });

  it('still refuses a cached object to a request without the edge secret', async () => {
    const p = await pair({ SHIELD_SHARED_SECRET: 's3cret' });
    const auth = { headers: { 'X-EdgeShield-Auth': 's3cret' } };
    expect((await send(p.shield.url, '/v/a.ts', auth)).status).toBe(200);
    expect((await send(p.shield.url, '/v/a.ts', auth)).header('x-cache')).toBe('HIT');
    expect((await send(p.shield.url, '/v/a.ts')).status).toBe(401);
    expect((await send(p.shield.url, '/v/a.ts', { headers: { 'x-edgeshield-auth': 'nope' } })).status).toBe(
      401,
    );
  });

  it('never serves a cached packager object for the shield’s own /metrics path', async () => {
    const p = await pair();
    p.upstream.route('/metrics', { body: 'packager-metrics', headers: IMMUTABLE });
    await send(p.shield.url, '//metrics'); // normalises to /metrics: cached as content
    const r = await send(p.shield.url, '/metrics');
    expect(r.body.toString()).toContain('shield_cache_hits_total');
  });

  it('counts fast hits in shield_cache_hits_total', async () => {
    const p = await pair();
    await send(p.shield.url, '/v/a.ts');
    await send(p.shield.url, '/v/a.ts');
    await send(p.shield.url, '/v/a.ts');
    const text = (await send(p.shield.url, '/metrics')).body.toString();
    expect(text).toMatch(/^shield_cache_hits_total 2$/m);
  });

  it('leaves an object whose stored headers a raw writer must not send to Node’s path (e.g. from a tampered disk file)', () => {
    const object = (headers: Record<string, string>): CachedObject => ({
      status: 200,
      headers,
      body: Buffer.from('x'),
      storedAt: 0,
      initialAgeSec: 0,
      freshForSec: 60,
      staleWhileRevalidateSec: 0,
      staleIfErrorSec: 0,
    });
    const hits: CachedObject[] = [];
    const lookupFor = (stored: CachedObject) =>
      createHitLookup({
        get: () => stored,
        now: () => 1000,
        checkSecret: () => true,
        corsFor: () => ({}),
        keyOf: (raw) => raw,
        onHit: (o) => hits.push(o),
        cmcd: false,
      });
    const clean = object({ 'content-type': 'video/mp2t' });
    const answer = lookupFor(clean)('GET', '/a.ts', ['Host', 's']);
    expect(answer && encodeHitHead(answer.headers, 'd', 5).toString('latin1')).toContain(
      'content-type: video/mp2t\r\n',
    );
    for (const odd of [
      { 'content-type': 'video/mp2t\r\nx-injected: 1' },
      { 'x-odd': 'a\u0001b' },
      { 'bad name': 'v' },
    ])
      expect(lookupFor(object(odd))('GET', '/a.ts', ['Host', 's'])).toBeUndefined();
    expect(hits).toEqual([clean]); // a refused object is not counted as a fast hit
  });
});
