/** Shield upstream behaviour on real sockets: failover, unreachable, timeouts, truncated bodies. */
import { afterEach, describe, expect, it } from 'vitest';
import { silentLogger } from '../../origin/log.ts';
import { startShield } from '../../origin/server.ts';
import { type CountingUpstream, startCountingUpstream } from '../fixtures/counting-upstream.ts';
import { closedPortUrl, IMMUTABLE, send, shieldConfig } from './helpers.ts';

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

async function upstream(): Promise<CountingUpstream> {
  const up = await startCountingUpstream();
  cleanups.push(() => up.close());
  return up;
}

async function shield(upstreams: string[], timeoutMs = 2000) {
  const s = await startShield(
    shieldConfig({ SHIELD_UPSTREAMS: upstreams.join(','), SHIELD_UPSTREAM_TIMEOUT_MS: String(timeoutMs) }),
    { logger: silentLogger, shutdownGraceMs: 500 },
  );
  cleanups.push(() => s.close());
  return s;
}

describe('shield upstream', () => {
  it('fails over to the second upstream when the first refuses connections', async () => {
    const second = await upstream();
    second.route('/a.ts', { body: 'from-second', headers: IMMUTABLE });
    const s = await shield([await closedPortUrl(), second.url]);
    const res = await send(s.url, '/a.ts');
    expect(res.status).toBe(200);
    expect(res.body.toString()).toBe('from-second');
    expect(second.count('/a.ts')).toBe(1);
  });

  it('fails over to the second upstream when the first answers 5xx', async () => {
    const first = await upstream();
    const second = await upstream();
    first.route('/a.ts', { status: 503, body: 'busy' });
    second.route('/a.ts', { body: 'ok', headers: IMMUTABLE });
    const s = await shield([first.url, second.url]);
    const res = await send(s.url, '/a.ts');
    expect(res.body.toString()).toBe('ok');
    expect(first.count('/a.ts')).toBe(1);
  });

  it('answers 502 SHIELD_ERR_UPSTREAM_BAD_RESPONSE when every upstream answers 5xx', async () => {
    const only = await upstream();
    only.route('/a.ts', { status: 500, body: 'boom' });
    const s = await shield([only.url]);
    const res = await send(s.url, '/a.ts');
    expect(res.status).toBe(502);
    expect((res.json() as { code: string }).code).toBe('SHIELD_ERR_UPSTREAM_BAD_RESPONSE');
    expect(res.body.toString()).not.toContain('boom');
  });

  it('answers 502 SHIELD_ERR_UPSTREAM_UNREACHABLE (not a timeout) when the only upstream refuses connections', async () => {
    const s = await shield([await closedPortUrl()], 2000);
    const res = await send(s.url, '/a.ts');
    expect(res.status).toBe(502);
    expect((res.json() as { code: string }).code).toBe('SHIELD_ERR_UPSTREAM_UNREACHABLE');
    expect(res.header('access-control-allow-origin')).toBe('*');
    expect(res.header('cache-control')).toContain('no-store');
  });

  it('answers 504 SHIELD_ERR_UPSTREAM_TIMEOUT when the upstream never answers', async () => {
    const hanging = await upstream();
    hanging.route('/a.ts', { hang: true });
    const s = await shield([hanging.url], 300);
    const res = await send(s.url, '/a.ts');
    expect(res.status).toBe(504);
    expect((res.json() as { code: string }).code).toBe('SHIELD_ERR_UPSTREAM_TIMEOUT');
    expect(hanging.count('/a.ts')).toBe(1);
  });

  it('aborts the client response when the upstream body is truncated, and does not cache it', async () => {
    const up = await upstream();
    up.route('/t.ts', { body: ['first-chunk', 'second-chunk'], headers: IMMUTABLE, truncate: true });
    const s = await shield([up.url]);
    await expect(send(s.url, '/t.ts')).rejects.toThrow();
    await expect(send(s.url, '/t.ts')).rejects.toThrow();
    expect(up.count('/t.ts')).toBe(2);
  });

  it('answers a HEAD miss with 502 rather than headers when the upstream body is truncated', async () => {
    const up = await upstream();
    up.route('/t.ts', { body: ['first-chunk', 'second-chunk'], headers: IMMUTABLE, truncate: true });
    const s = await shield([up.url]);
    const res = await send(s.url, '/t.ts', { method: 'HEAD' });
    expect(res.status).toBe(502);
  });
});
