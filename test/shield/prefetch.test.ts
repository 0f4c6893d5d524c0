/** Prefetch: next segments of a media playlist and CMCD `nor`, bounded and single-flight. */
import { afterEach, describe, expect, it } from 'vitest';
import { IMMUTABLE, type Pair, send, startPair } from './helpers.ts';

let pair: Pair | undefined;
afterEach(async () => {
  await pair?.close();
  pair = undefined;
});

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Polls `cond` every 20 ms for at most `ms` (generous: only ordering is asserted). */
async function until(cond: () => boolean, ms = 10_000): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error('condition not met in time');
    await sleep(20);
  }
}

const segs = (n: number) => Array.from({ length: n }, (_, i) => `seg_${i}.ts`);

function playlist(uris: string[], endList: boolean): string {
  const body = uris.map((u) => `#EXTINF:2.0,\n${u}\n`).join('');
  return `#EXTM3U\n#EXT-X-TARGETDURATION:2\n#EXT-X-MEDIA-SEQUENCE:0\n${body}${endList ? '#EXT-X-ENDLIST\n' : ''}`;
}

function routeAll(p: Pair, dir: string, names: string[], delayMs = 0): void {
  for (const name of names)
    p.upstream.route(`${dir}/${name}`, { body: `${name}-bytes`, headers: IMMUTABLE, delayMs });
}

async function metric(p: Pair, name: string): Promise<number> {
  const text = await (await fetch(`${p.shield.url}/metrics`)).text();
  const line = text.split('\n').find((l) => l.startsWith(`${name} `));
  return Number(line?.split(' ')[1] ?? Number.NaN);
}

const PL = { 'cache-control': 'max-age=1', 'content-type': 'application/vnd.apple.mpegurl' };

describe('playlist prefetch', () => {
  it('warms the next N VOD segments exactly once; a later viewer gets a HIT', async () => {
    let clock = 1_000_000;
    pair = await startPair({ SHIELD_PREFETCH_SEGMENTS: '3' }, { now: () => clock });
    const p = pair;
    routeAll(p, '/v', segs(6));
    p.upstream.route('/v/index.m3u8', { body: playlist(segs(6), true), headers: PL });
    expect((await send(p.shield.url, '/v/index.m3u8')).status).toBe(200);
    // All three warmed (they run concurrently: seg_2 stored says nothing about seg_0 and seg_1).
    await until(() => segs(3).every((s) => p.shield.store.peek(`/v/${s}`) !== undefined));
    expect(segs(6).map((s) => p.upstream.count(`/v/${s}`))).toEqual([1, 1, 1, 0, 0, 0]);

    const viewer = await send(p.shield.url, '/v/seg_1.ts');
    expect(viewer.header('x-cache')).toBe('HIT');
    expect(viewer.body.toString()).toBe('seg_1.ts-bytes');

    // The playlist expires and is fetched again: its segments are cached, nothing is refetched.
    clock += 5_000;
    await send(p.shield.url, '/v/index.m3u8');
    await until(() => p.upstream.count('/v/index.m3u8') === 2);
    await sleep(200);
    expect(segs(6).map((s) => p.upstream.count(`/v/${s}`))).toEqual([1, 1, 1, 0, 0, 0]);
    expect(await metric(p, 'shield_prefetch_requests_total')).toBe(3);
    expect(await metric(p, 'shield_prefetch_hits_total')).toBe(1);
  });

  it('warms the newest live segments not yet cached as the window slides', async () => {
    let clock = 1_000_000;
    pair = await startPair({ SHIELD_PREFETCH_SEGMENTS: '2' }, { now: () => clock });
    const p = pair;
    routeAll(p, '/l', segs(8));
    p.upstream.route('/l/index.m3u8', { body: playlist(segs(8).slice(0, 6), false), headers: PL });
    await send(p.shield.url, '/l/index.m3u8');
    await until(() => ['seg_4.ts', 'seg_5.ts'].every((s) => p.shield.store.peek(`/l/${s}`) !== undefined));
    clock += 2_000;
    p.upstream.route('/l/index.m3u8', { body: playlist(segs(8).slice(1, 7), false), headers: PL });
    await send(p.shield.url, '/l/index.m3u8');
    await until(() => p.shield.store.peek('/l/seg_6.ts') !== undefined);
    await sleep(100);
    expect(segs(8).map((s) => p.upstream.count(`/l/${s}`))).toEqual([0, 0, 0, 0, 1, 1, 1, 0]);
  });

  it('lets a viewer arriving mid-prefetch join the prefetch fill (one upstream request)', async () => {
    pair = await startPair({ SHIELD_PREFETCH_SEGMENTS: '1' });
    const p = pair;
    routeAll(p, '/j', segs(2), 300);
    p.upstream.route('/j/index.m3u8', { body: playlist(segs(2), true), headers: PL });
    await send(p.shield.url, '/j/index.m3u8');
    await until(() => p.upstream.count('/j/seg_0.ts') === 1);
    const viewer = await send(p.shield.url, '/j/seg_0.ts');
    expect(viewer.header('x-cache')).toBe('COALESCED');
    expect(viewer.body.toString()).toBe('seg_0.ts-bytes');
    expect(p.upstream.count('/j/seg_0.ts')).toBe(1);
    expect(await metric(p, 'shield_prefetch_hits_total')).toBe(1);
  });

  it('never lets a failing prefetch affect the playlist response', async () => {
    pair = await startPair({ SHIELD_PREFETCH_SEGMENTS: '2' });
    const p = pair;
    p.upstream.route('/f/seg_0.ts', { status: 500, body: 'boom' });
    p.upstream.route('/f/index.m3u8', { body: playlist(segs(2), true), headers: PL });
    const res = await send(p.shield.url, '/f/index.m3u8');
    expect(res.status).toBe(200);
    expect(res.header('x-cache')).toBe('MISS');
    await until(() => p.upstream.count('/f/seg_1.ts') === 1 && p.upstream.count('/f/seg_0.ts') === 1);
    await until(() => p.shield.store.peek('/f/seg_0.ts') === undefined);
  });

  it('does nothing when SHIELD_PREFETCH_SEGMENTS is 0 (the default)', async () => {
    pair = await startPair();
    const p = pair;
    routeAll(p, '/o', segs(2));
    p.upstream.route('/o/index.m3u8', { body: playlist(segs(2), true), headers: PL });
    await send(p.shield.url, '/o/index.m3u8');
    await sleep(200);
    expect(p.upstream.count('/o/seg_0.ts')).toBe(0);
  });
});

describe('CMCD prefetch', () => {
  it('prefetches the object named by nor in the CMCD query argument, once', async () => {
    pair = await startPair({ SHIELD_PREFETCH_CMCD: 'on' });
    const p = pair;
    routeAll(p, '/c', segs(3));
    const cmcd = encodeURIComponent('nor="seg_1.ts",sid="s"');
    await send(p.shield.url, `/c/seg_0.ts?CMCD=${cmcd}`);
    await until(() => p.shield.store.peek('/c/seg_1.ts') !== undefined);
    await send(p.shield.url, `/c/seg_0.ts?CMCD=${cmcd}`);
    expect((await send(p.shield.url, '/c/seg_1.ts')).header('x-cache')).toBe('HIT');
    expect(p.upstream.count('/c/seg_1.ts')).toBe(1);
    expect(p.upstream.count('/c/seg_2.ts')).toBe(0);
  });

  it('reads nor from the CMCD-Request header and ignores it when SHIELD_PREFETCH_CMCD is off', async () => {
    pair = await startPair({ SHIELD_PREFETCH_CMCD: 'on' });
    const p = pair;
    routeAll(p, '/h', segs(3));
    await send(p.shield.url, '/h/seg_0.ts', { headers: { 'cmcd-request': 'nor="seg_2.ts"' } });
    await until(() => p.upstream.count('/h/seg_2.ts') === 1);
    await pair.close();

    pair = await startPair();
    const q = pair;
    routeAll(q, '/h', segs(3));
    await send(q.shield.url, '/h/seg_0.ts', { headers: { 'cmcd-request': 'nor="seg_2.ts"' } });
    await sleep(200);
    expect(q.upstream.count('/h/seg_2.ts')).toBe(0);
  });
});
