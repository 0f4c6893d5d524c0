/** Collapsed forwarding with stream-while-fill on real sockets: one upstream request, bytes as they arrive. */
import { afterEach, describe, expect, it } from 'vitest';
import { silentLogger } from '../../origin/log.ts';
import { type RunningShield, startShield } from '../../origin/server.ts';
import { type GatedUpstream, startGatedUpstream } from './gated-upstream.ts';
import { IMMUTABLE, send, shieldConfig } from './helpers.ts';
import { openStream, stormAgent } from './stream-client.ts';

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

async function setup(
  env: Record<string, string> = {},
): Promise<{ up: GatedUpstream; shield: RunningShield }> {
  const up = await startGatedUpstream();
  cleanups.push(() => up.close());
  const shield = await startShield(
    shieldConfig({ SHIELD_UPSTREAMS: up.url, SHIELD_UPSTREAM_TIMEOUT_MS: '5000', ...env }),
    { logger: silentLogger, shutdownGraceMs: 200 },
  );
  cleanups.push(() => shield.close());
  return { up, shield };
}

const bytes = (n: number, seed: number) =>
  Buffer.from(Array.from({ length: n }, (_, i) => (i * 7 + seed) % 251));

describe('stream-while-fill', () => {
  it('sends 500 concurrent waiters their first bytes before the single upstream request finishes', async () => {
    const { up, shield } = await setup();
    const head = bytes(50_000, 1);
    const tail = bytes(150_000, 2);
    up.route('/storm.ts', { headers: IMMUTABLE, head, tail });
    const agent = stormAgent();
    cleanups.push(async () => agent.destroy());
    const waiters = Array.from({ length: 500 }, () => openStream(shield.url, '/storm.ts', agent));
    // The upstream holds its tail: every waiter can only have bytes that streamed while filling.
    await Promise.all(waiters.map((w) => w.firstByte));
    expect(up.count('/storm.ts')).toBe(1);
    up.release('/storm.ts');
    const results = await Promise.all(waiters.map((w) => w.done));
    const expected = Buffer.concat([head, tail]);
    expect(results.every((r) => r.status === 200 && !r.aborted && r.body.equals(expected))).toBe(true);
    const statuses = results.map((r) => r.xCache);
    expect(statuses.filter((s) => s === 'MISS')).toHaveLength(1);
    expect(statuses.filter((s) => s === 'COALESCED')).toHaveLength(499);
    expect(up.count('/storm.ts')).toBe(1);
    expect((await send(shield.url, '/storm.ts')).header('x-cache')).toBe('HIT');
  });

  it('gives a late joiner the buffered prefix and then the live tail', async () => {
    const { up, shield } = await setup();
    const head = bytes(10_000, 3);
    const tail = bytes(20_000, 4);
    up.route('/late.ts', { headers: IMMUTABLE, head, tail });
    const agent = stormAgent();
    cleanups.push(async () => agent.destroy());
    const first = openStream(shield.url, '/late.ts', agent);
    await first.firstByte;
    const late = openStream(shield.url, '/late.ts', agent);
    await late.firstByte;
    up.release('/late.ts');
    const [a, b] = await Promise.all([first.done, late.done]);
    expect(a.body.equals(Buffer.concat([head, tail]))).toBe(true);
    expect(b.body.equals(Buffer.concat([head, tail]))).toBe(true);
    expect(b.xCache).toBe('COALESCED');
    expect(up.count('/late.ts')).toBe(1);
  });

  it('aborts every waiter and stores nothing when the upstream fails mid-body', async () => {
    const { up, shield } = await setup();
    up.route('/cut.ts', { headers: IMMUTABLE, head: bytes(5_000, 5), tail: bytes(5_000, 6) });
    const agent = stormAgent();
    cleanups.push(async () => agent.destroy());
    const waiters = Array.from({ length: 20 }, () => openStream(shield.url, '/cut.ts', agent));
    await Promise.all(waiters.map((w) => w.firstByte));
    up.fail('/cut.ts');
    const results = await Promise.all(waiters.map((w) => w.done));
    expect(results.every((r) => r.aborted)).toBe(true);
    expect(results.every((r) => r.bytes < 10_000)).toBe(true);
    // Nothing was stored: the next request goes upstream again.
    const again = openStream(shield.url, '/cut.ts', agent);
    await again.firstByte;
    expect(up.count('/cut.ts')).toBe(2);
    up.release('/cut.ts');
    expect((await again.done).bytes).toBe(10_000);
  });

  it('lets a fast waiter and the fill finish while a slow waiter is not reading', async () => {
    const { up, shield } = await setup();
    const head = bytes(1_000_000, 7);
    const tail = bytes(23_000_000, 8); // far more than loopback socket buffers can absorb
    up.route('/big.ts', { headers: IMMUTABLE, head, tail });
    const agent = stormAgent();
    cleanups.push(async () => agent.destroy());
    const slow = openStream(shield.url, '/big.ts', agent);
    await slow.firstByte;
    slow.pause();
    const fast = openStream(shield.url, '/big.ts', agent);
    up.release('/big.ts');
    const fastResult = await fast.done;
    expect(fastResult.bytes).toBe(24_000_000);
    expect(slow.received()).toBeLessThan(24_000_000);
    // The fill completed and was stored while the slow waiter still sat on unread bytes.
    expect((await send(shield.url, '/big.ts', { method: 'HEAD' })).header('x-cache')).toBe('HIT');
    slow.resume();
    const slowResult = await slow.done;
    expect(slowResult.aborted).toBe(false);
    expect(slowResult.body.equals(Buffer.concat([head, tail]))).toBe(true);
    expect(up.count('/big.ts')).toBe(1);
  });
});
