/**
 * /readyz (issue 12): 200 while the shield can do useful work; 503 SHIELD_ERR_NOT_READY while starting,
 * draining, or when every packager's circuit is open. /healthz stays liveness.
 */
import { connect } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { silentLogger } from '../../origin/log.ts';
import { createReadiness } from '../../origin/readiness.ts';
import { startShield } from '../../origin/server.ts';
import { type CountingUpstream, startCountingUpstream } from '../fixtures/counting-upstream.ts';
import { closedPortUrl, IMMUTABLE, type Pair, send, shieldConfig, startPair } from './helpers.ts';

let pair: Pair | undefined;
const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  await pair?.close();
  pair = undefined;
  for (const c of cleanups.splice(0)) await c();
});

async function upstream(): Promise<CountingUpstream> {
  const u = await startCountingUpstream();
  cleanups.push(() => u.close());
  return u;
}

describe('/readyz', () => {
  it('answers 200 once the shield listens, without the edge credential, like /healthz', async () => {
    pair = await startPair({ SHIELD_SHARED_SECRET: 'edge-secret' });
    const [ready, head, metrics] = await Promise.all([
      send(pair.shield.url, '/readyz'),
      send(pair.shield.url, '/readyz', { method: 'HEAD' }),
      send(pair.shield.url, '/metrics'),
    ]);
    expect([ready.status, ready.json(), ready.header('cache-control')]).toEqual([
      200,
      { status: 'ready' },
      'no-store',
    ]);
    expect([head.status, metrics.status]).toEqual([200, 401]);
  });

  it('answers 503 SHIELD_ERR_NOT_READY when every packager circuit is open, while /healthz stays 200', async () => {
    let clock = 1_000_000;
    const bad = await upstream();
    bad.route('/x.ts', { status: 500, body: 'boom' });
    const s = await startShield(
      shieldConfig({
        SHIELD_UPSTREAMS: `${bad.url},${await closedPortUrl()}`,
        SHIELD_BREAKER_FAILURES: '1',
        SHIELD_BREAKER_COOLDOWN_MS: '10000',
      }),
      { logger: silentLogger, now: () => clock },
    );
    cleanups.push(() => s.close());
    expect((await send(s.url, '/x.ts')).status).toBeGreaterThanOrEqual(500);
    const down = await send(s.url, '/readyz');
    expect(down.status).toBe(503);
    expect(down.json()).toEqual({ code: 'SHIELD_ERR_NOT_READY', message: 'every packager circuit is open' });
    expect((await send(s.url, '/healthz')).status).toBe(200);
    // Past the cooldown a probe may go through: ready again, or nothing would ever send the probe.
    clock += 10_000;
    expect((await send(s.url, '/readyz')).status).toBe(200);
  });

  it('stays ready while one packager of two has an open circuit', async () => {
    const bad = await upstream();
    const good = await upstream();
    bad.route('/y.ts', { status: 500, body: 'boom' });
    good.route('/y.ts', { body: 'ok', headers: IMMUTABLE });
    const s = await startShield(
      shieldConfig({ SHIELD_UPSTREAMS: `${bad.url},${good.url}`, SHIELD_BREAKER_FAILURES: '1' }),
      { logger: silentLogger },
    );
    cleanups.push(() => s.close());
    expect((await send(s.url, '/y.ts')).body.toString()).toBe('ok');
    expect(bad.count('/y.ts')).toBe(1);
    expect((await send(s.url, '/readyz')).status).toBe(200);
  });

  it('answers 503 draining to a probe that arrives after close() began', async () => {
    pair = await startPair();
    const p = pair;
    p.upstream.route('/slow.ts', { body: 'done', headers: IMMUTABLE, delayMs: 400 });
    const { port } = new URL(p.shield.url);
    const socket = connect(Number(port), '127.0.0.1');
    const received: Buffer[] = [];
    socket.on('data', (c: Buffer) => received.push(c));
    const ended = new Promise<void>((resolve) => socket.on('close', () => resolve()));
    socket.write('GET /slow.ts HTTP/1.1\r\nHost: s\r\n\r\n');
    while (p.upstream.count('/slow.ts') === 0) await new Promise((r) => setTimeout(r, 10));
    // The connection is busy with /slow.ts, so close() keeps it open; the probe follows on it.
    const closed = p.shield.close();
    socket.write('GET /readyz HTTP/1.1\r\nHost: s\r\n\r\n');
    await closed;
    await ended;
    const text = Buffer.concat(received).toString('latin1');
    expect(text).toContain('done');
    expect(text).toMatch(/HTTP\/1\.1 503 [^\r]*\r\n/);
    expect(text).toContain('{"code":"SHIELD_ERR_NOT_READY","message":"draining"}');
  });
});

describe('createReadiness', () => {
  it('is not ready while starting, ready once marked, and draining for good after close began', () => {
    const readiness = createReadiness(['http://a/'], 5000, () => 0);
    expect(readiness.check()).toBe('starting');
    readiness.markReady();
    expect(readiness.check()).toBeUndefined();
    readiness.markDraining();
    readiness.markReady();
    expect(readiness.check()).toBe('draining');
  });

  it('counts a packager as down only until its circuit closes again', () => {
    const readiness = createReadiness(['http://a/', 'http://b/'], 5000, () => 0);
    readiness.markReady();
    readiness.breakerState('http://a/', 'open');
    expect(readiness.check()).toBeUndefined();
    readiness.breakerState('http://b/', 'open');
    expect(readiness.check()).toBe('upstreams-down');
    readiness.breakerState('http://b/', 'half-open');
    expect(readiness.check()).toBeUndefined();
  });
});
