/**
 * Shield behaviours on real sockets that each close a reviewer's gap: 410 negative caching, a body
 * that stalls past the body timeout, errors never cached as success, /metrics for coalesced waiters
 * and evictions, the in-flight retention cap (SHIELD_INFLIGHT_BYTES) and egress sink failures.
 */
import { Writable } from 'node:stream';
import { afterEach, describe, expect, it } from 'vitest';
import { createLogger } from '../../origin/log.ts';
import { startShield } from '../../origin/server.ts';
import { startGatedUpstream } from './gated-upstream.ts';
import { IMMUTABLE, type Pair, send, shieldConfig, startPair } from './helpers.ts';
import { openStream, stormAgent } from './stream-client.ts';

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

async function pairOf(...args: Parameters<typeof startPair>): Promise<Pair> {
  const pair = await startPair(...args);
  cleanups.push(() => pair.close());
  return pair;
}

/** One sample's value from the Prometheus text, NaN when absent. */
async function metric(baseUrl: string, name: string): Promise<number> {
  const text = (await send(baseUrl, '/metrics')).body.toString();
  const line = text.split('\n').find((l) => l.startsWith(`${name} `));
  return Number(line?.split(' ')[1] ?? Number.NaN);
}

const bytes = (n: number, seed: number) =>
  Buffer.from(Array.from({ length: n }, (_, i) => (i * 13 + seed) % 251));

describe('negative caching', () => {
  it('remembers a 410 like a 404: one upstream request, then a 404 SHIELD_ERR_NOT_FOUND HIT', async () => {
    const pair = await pairOf({ SHIELD_NEGATIVE_TTL_SEC: '5' });
    pair.upstream.route('/gone.ts', { status: 410, body: 'gone' });
    const first = await send(pair.shield.url, '/gone.ts');
    const second = await send(pair.shield.url, '/gone.ts');
    expect(first.status).toBe(404);
    expect(second.status).toBe(404);
    expect(second.header('x-cache')).toBe('HIT');
    expect((second.json() as { code: string }).code).toBe('SHIELD_ERR_NOT_FOUND');
    expect(pair.upstream.count('/gone.ts')).toBe(1);
  });
});

describe('upstream failures are never stored', () => {
  it('aborts the client and stores nothing when the body stalls past the body timeout', async () => {
    const pair = await pairOf({ SHIELD_UPSTREAM_TIMEOUT_MS: '300' });
    // The second chunk comes long after the 300 ms between-chunks (body) timeout.
    pair.upstream.route('/stall.ts', { body: ['first-', 'second'], chunkDelayMs: 1500, headers: IMMUTABLE });
    await expect(send(pair.shield.url, '/stall.ts')).rejects.toThrow('aborted');
    pair.upstream.route('/stall.ts', { body: 'whole', headers: IMMUTABLE });
    const next = await send(pair.shield.url, '/stall.ts');
    expect(next.status).toBe(200);
    expect(next.header('x-cache')).toBe('MISS');
    expect(next.body.toString()).toBe('whole');
    expect(pair.upstream.count('/stall.ts')).toBe(2);
  });

  it('answers a 500 with an error and then fetches the 200 as a fresh MISS', async () => {
    const pair = await pairOf();
    pair.upstream.route('/flaky.ts', { status: 500, body: 'boom' });
    const failed = await send(pair.shield.url, '/flaky.ts');
    expect(failed.status).toBe(502);
    expect((failed.json() as { code: string }).code).toBe('SHIELD_ERR_UPSTREAM_BAD_RESPONSE');
    pair.upstream.route('/flaky.ts', { body: 'fine', headers: IMMUTABLE });
    const ok = await send(pair.shield.url, '/flaky.ts');
    expect(ok.status).toBe(200);
    expect(ok.header('x-cache')).toBe('MISS');
    expect(ok.body.toString()).toBe('fine');
    expect(pair.upstream.count('/flaky.ts')).toBe(2);
  });
});

describe('/metrics', () => {
  it('counts coalesced waiters of a fill', async () => {
    const up = await startGatedUpstream();
    cleanups.push(() => up.close());
    const shield = await startShield(shieldConfig({ SHIELD_UPSTREAMS: up.url }), {
      logger: createLogger('silent', () => {}),
      shutdownGraceMs: 200,
    });
    cleanups.push(() => shield.close());
    up.route('/c.ts', { headers: IMMUTABLE, head: bytes(1000, 1), tail: bytes(1000, 2) });
    const agent = stormAgent();
    cleanups.push(async () => agent.destroy());
    expect(await metric(shield.url, 'shield_coalesced_waiters_total')).toBe(0);
    const waiters = Array.from({ length: 5 }, () => openStream(shield.url, '/c.ts', agent));
    await Promise.all(waiters.map((w) => w.firstByte));
    up.release('/c.ts');
    const results = await Promise.all(waiters.map((w) => w.done));
    expect(results.filter((r) => r.xCache === 'COALESCED')).toHaveLength(4);
    expect(await metric(shield.url, 'shield_coalesced_waiters_total')).toBe(4);
    expect(up.count('/c.ts')).toBe(1);
  });

  it('counts evictions as objects overflow SHIELD_CACHE_BYTES', async () => {
    const pair = await pairOf({ SHIELD_CACHE_BYTES: '25000' });
    for (const name of ['a', 'b', 'c'])
      pair.upstream.route(`/${name}.ts`, { body: 'x'.repeat(10_000), headers: IMMUTABLE });
    await send(pair.shield.url, '/a.ts');
    await send(pair.shield.url, '/b.ts');
    expect(await metric(pair.shield.url, 'shield_cache_evictions_total')).toBe(0);
    await send(pair.shield.url, '/c.ts');
    expect(await metric(pair.shield.url, 'shield_cache_evictions_total')).toBe(1);
    expect(await metric(pair.shield.url, 'shield_cache_objects')).toBe(2);
  });
});

describe('SHIELD_INFLIGHT_BYTES', () => {
  it('keeps bytes retained by concurrent distinct misses within the cap and still serves every body whole', async () => {
    const up = await startGatedUpstream();
    cleanups.push(() => up.close());
    const cap = 256 * 1024;
    const shield = await startShield(
      shieldConfig({ SHIELD_UPSTREAMS: up.url, SHIELD_INFLIGHT_BYTES: String(cap) }),
      { logger: createLogger('silent', () => {}), shutdownGraceMs: 200 },
    );
    cleanups.push(() => shield.close());
    const objects = Array.from({ length: 20 }, (_, i) => ({
      path: `/distinct/${i}.ts`,
      head: bytes(16 * 1024, i),
      tail: bytes(48 * 1024, i + 100),
    }));
    for (const o of objects) up.route(o.path, { headers: IMMUTABLE, head: o.head, tail: o.tail });
    const agent = stormAgent();
    cleanups.push(async () => agent.destroy());
    const clients = objects.map((o) => openStream(shield.url, o.path, agent));
    // Every fill is mid-body (its head streamed, its tail held): 20 × 64 KiB would be 1.25 MiB.
    await Promise.all(clients.map((c) => c.firstByte));
    const retained = await metric(shield.url, 'shield_inflight_retained_bytes');
    expect(retained).toBeGreaterThan(0);
    expect(retained).toBeLessThanOrEqual(cap);
    for (const o of objects) up.release(o.path);
    const results = await Promise.all(clients.map((c) => c.done));
    for (const [i, r] of results.entries()) {
      const o = objects[i];
      expect(r.status).toBe(200);
      expect(r.aborted).toBe(false);
      expect(o !== undefined && r.body.equals(Buffer.concat([o.head, o.tail]))).toBe(true);
    }
    expect(await metric(shield.url, 'shield_inflight_retained_peak_bytes')).toBeLessThanOrEqual(cap);
    expect(await metric(shield.url, 'shield_inflight_retained_bytes')).toBe(0);
    // Only the fills that fit were stored; the others streamed through (BYPASS) and were refused.
    const stored = results.filter((r) => r.xCache === 'MISS').length;
    expect(stored).toBe(4);
    expect(results.filter((r) => r.xCache === 'BYPASS')).toHaveLength(16);
    expect(await metric(shield.url, 'shield_inflight_refused_total')).toBe(16);
    expect(await metric(shield.url, 'shield_cache_objects')).toBe(4);
  });
});

describe('egress sink failures', () => {
  it('counts dropped records in shield_egress_dropped_total and logs the failure once per burst', async () => {
    const logLines: string[] = [];
    const failing = new Writable({
      write(_chunk, _encoding, callback) {
        callback(new Error('disk full'));
      },
    });
    const pair = await pairOf(
      {},
      { egressSink: failing, logger: createLogger('warn', (line) => logLines.push(line)) },
    );
    pair.upstream.route('/e.ts', { body: 'x'.repeat(100), headers: IMMUTABLE });
    for (let i = 0; i < 5; i++) await send(pair.shield.url, '/e.ts');
    // The first record broke the sink; records after it were dropped.
    expect(await metric(pair.shield.url, 'shield_egress_dropped_total')).toBeGreaterThanOrEqual(3);
    const messages = logLines.map((l) => (JSON.parse(l) as { msg: string }).msg);
    expect(messages.filter((m) => m.startsWith('egress sink failed'))).toHaveLength(1);
    expect(messages.filter((m) => m === 'egress records dropped')).toHaveLength(1);
  });
});
