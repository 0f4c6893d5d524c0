/**
 * The shield's egress ledger wired into the server (issue 8): one `shield` record per response with
 * the bytes the client got and the packager bytes that response made the shield fetch, and one
 * `origin` record per packager fetch. Real sockets: a counting fake packager and a shield on port 0.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { parseShieldConfig } from '../../origin/config.ts';
import { createShieldEgressLog } from '../../origin/egress.ts';
import type { EgressRecord } from '../../src/core/ledger/record.ts';
import { type Pair, send, startPair } from './helpers.ts';

const IMMUTABLE = { 'content-type': 'video/mp2t', 'cache-control': 'public, max-age=31536000, immutable' };
const body = (n: number) => 'x'.repeat(n);

let pair: Pair;
let lines: string[];

beforeEach(async () => {
  lines = [];
  const sink = new PassThrough();
  sink.on('data', (chunk: Buffer) => lines.push(...chunk.toString('utf8').split('\n').filter(Boolean)));
  pair = await startPair({ SHIELD_SHARED_SECRET: 's3cret' }, { egressLog: createShieldEgressLog(sink) });
});

afterEach(async () => {
  await pair.close();
});

const auth = { 'x-edgeshield-auth': 's3cret' };
const records = () => lines.map((l) => JSON.parse(l) as EgressRecord);

/** Records once `count` were written (a response's record follows its 'close'), or after 10 s. */
async function settled(count: number): Promise<EgressRecord[]> {
  const deadline = Date.now() + 10_000;
  while (records().length < count && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
  return records();
}

describe('shield egress records', () => {
  it('records a MISS with the packager bytes it fetched and a HIT with none', async () => {
    pair.upstream.route('/vod/ts/360p/seg_1.ts', { body: body(5000), headers: IMMUTABLE });
    await send(pair.shield.url, '/vod/ts/360p/seg_1.ts', { headers: auth });
    await send(pair.shield.url, '/vod/ts/360p/seg_1.ts', { headers: auth });
    const all = await settled(3);
    // Sorted by status: a MISS is recorded when its response closes, which may come after the
    // following fast-lane HIT was recorded.
    const shield = all
      .filter((r) => r.tier === 'shield')
      .sort((a, b) => a.cacheStatus.localeCompare(b.cacheStatus));
    expect(shield.map((r) => [r.cacheStatus, r.bytes, r.originBytes])).toEqual([
      ['HIT', 5000, 0],
      ['MISS', 5000, 5000],
    ]);
    expect(shield[1]).toMatchObject({ status: 200, contentKind: 'segment', contentId: 'vod' });
  });

  it('writes one origin record per packager fetch, with the bytes the packager sent', async () => {
    pair.upstream.route('/a.m3u8', { body: '#EXTM3U\n', headers: { 'cache-control': 'max-age=60' } });
    await send(pair.shield.url, '/a.m3u8', { headers: auth });
    await send(pair.shield.url, '/a.m3u8', { headers: auth });
    const origin = (await settled(3)).filter((r) => r.tier === 'origin');
    expect(origin).toHaveLength(1);
    expect(origin[0]).toMatchObject({
      status: 200,
      bytes: 8,
      originBytes: 8,
      cacheStatus: 'NONE',
      path: '/a.m3u8',
    });
  });

  it('counts the whole fill as originBytes when a range MISS sends only part of it', async () => {
    pair.upstream.route('/r.ts', { body: body(4000), headers: IMMUTABLE });
    const res = await send(pair.shield.url, '/r.ts', { headers: { ...auth, range: 'bytes=0-99' } });
    expect(res.status).toBe(206);
    const shield = (await settled(2)).find((r) => r.tier === 'shield');
    expect(shield).toMatchObject({ status: 206, bytes: 100, originBytes: 4000 });
  });

  it('records a BYPASS (not storable) with its own fetch as originBytes', async () => {
    pair.upstream.route('/p.ts', { body: body(700), headers: { 'cache-control': 'private' } });
    await send(pair.shield.url, '/p.ts', { headers: auth });
    const shield = (await settled(2)).find((r) => r.tier === 'shield');
    expect(shield).toMatchObject({ cacheStatus: 'BYPASS', bytes: 700, originBytes: 700 });
  });

  it('records refused requests (401) and skips health checks', async () => {
    await send(pair.shield.url, '/healthz');
    const res = await send(pair.shield.url, '/vod/x.ts');
    expect(res.status).toBe(401);
    const all = await settled(1);
    expect(all).toHaveLength(1);
    expect(all[0]).toMatchObject({ tier: 'shield', status: 401, cacheStatus: 'NONE', originBytes: 0 });
    expect(all[0]?.bytes).toBe(res.body.byteLength);
  });
});

describe('SHIELD_EGRESS_LOG', () => {
  it('is off by default, and reads stdout or a file path', () => {
    const egressLog = (v?: string) => {
      const base = { SHIELD_SHARED_SECRET: 's' };
      const r = parseShieldConfig(v === undefined ? base : { ...base, SHIELD_EGRESS_LOG: v });
      return r.ok ? r.value.egressLog : 'invalid';
    };
    expect(egressLog()).toBeUndefined();
    expect(egressLog('off')).toBeUndefined();
    expect(egressLog('stdout')).toBe('-');
    expect(egressLog('/tmp/shield.ndjson')).toBe('/tmp/shield.ndjson');
    expect(egressLog('')).toBe('invalid');
  });

  it('appends records to the configured file and flushes it on close', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'shield-egress-'));
    const file = join(dir, 'shield.ndjson');
    const own = await startPair({ SHIELD_EGRESS_LOG: file });
    try {
      own.upstream.route('/f.ts', { body: body(123), headers: IMMUTABLE });
      await send(own.shield.url, '/f.ts');
    } finally {
      await own.close();
    }
    const written = readFileSync(file, 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as EgressRecord);
    expect(written.map((r) => [r.tier, r.bytes]).sort()).toEqual([
      ['origin', 123],
      ['shield', 123],
    ]);
    rmSync(dir, { recursive: true, force: true });
  });
});
