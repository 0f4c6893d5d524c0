/**
 * Egress records from the real Worker in workerd: one per response with the bytes the client got
 * (misses, hits, errors, HEAD, early disconnects), CMCD in and CMSD out, broken sinks that do not
 * break responses, and the Queue → consumer → D1 ledger. AUTH_MODE off: auth is not under test.
 */
import { connect } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LEDGER_SCHEMA } from '../../src/edge/egress/ledger-schema.ts';
import { type CountingUpstream, startCountingUpstream } from '../fixtures/counting-upstream.ts';
import { type EdgeWorker, logsWith, startEdgeWorker, waitUntilCached } from './edge-worker.ts';
import { recordsFor, waitForRecords } from './egress-records.ts';

const BODY = 'x'.repeat(40_000);
let shield: CountingUpstream;
const started: EdgeWorker[] = [];

function segment(path: string): void {
  shield.route(path, {
    body: BODY,
    headers: {
      'content-type': 'video/mp2t',
      'cache-control': 'public, max-age=31536000, immutable',
      'x-cache': 'HIT',
    },
  });
}

async function edgeWith(vars: Record<string, string> = {}, extras = {}): Promise<EdgeWorker> {
  const edge = await startEdgeWorker(
    { AUTH_MODE: 'off', SHIELD_URLS: shield.url, SHIELD_TIMEOUT_MS: '5000', ...vars },
    extras,
  );
  started.push(edge);
  return edge;
}

beforeAll(async () => {
  shield = await startCountingUpstream();
});

afterAll(async () => {
  await Promise.all(started.map((e) => e.dispose()));
  await shield?.close();
});

describe('egress records on stdout', () => {
  let edge: EdgeWorker;
  beforeAll(async () => {
    edge = await edgeWith({ CMSD_NODE: 'edge-test' });
  });

  it('records a miss and then a hit, each with the body bytes the client received', async () => {
    segment('/vod/ts/720p/seg_00001.ts');
    const miss = await edge.fetch('/vod/ts/720p/seg_00001.ts');
    expect((await miss.arrayBuffer()).byteLength).toBe(BODY.length);
    await waitUntilCached(edge, '/vod/ts/720p/seg_00001.ts');
    const hit = await edge.fetch('/vod/ts/720p/seg_00001.ts');
    expect((await hit.arrayBuffer()).byteLength).toBe(BODY.length);
    expect(hit.headers.get('x-cache')).toBe('HIT');

    const records = await waitForRecords(edge, '/vod/ts/720p/seg_00001.ts', 2);
    expect(records).toHaveLength(2);
    expect(records.map((r) => [r.cacheStatus, r.bytes, r.originBytes])).toEqual([
      ['MISS', BODY.length, BODY.length],
      ['HIT', BODY.length, 0],
    ]);
    expect(records[0]).toMatchObject({ tier: 'edge', status: 200, contentKind: 'segment', contentId: 'vod' });
    expect(records[0]?.headerBytes).toBeGreaterThan(50);
  });

  it('records a 404 with the error body it sent', async () => {
    const res = await edge.fetch('/nothing/here.txt');
    const text = await res.text();
    expect(res.status).toBe(404);
    const [record] = await waitForRecords(edge, '/nothing/here.txt', 1);
    expect(record).toMatchObject({
      status: 404,
      bytes: new TextEncoder().encode(text).byteLength,
      contentKind: 'other',
    });
  });

  it('records a HEAD with zero body bytes', async () => {
    segment('/vod/head/seg_00001.ts');
    const res = await edge.fetch('/vod/head/seg_00001.ts', { method: 'HEAD' });
    expect(res.status).toBe(200);
    const [record] = await waitForRecords(edge, '/vod/head/seg_00001.ts', 1);
    expect(record?.bytes).toBe(0);
  });

  it('keeps CMCD sid and keys in the record, never the token, and answers with CMSD headers', async () => {
    segment('/vod/cmcd/seg_00001.ts');
    const cmcd = encodeURIComponent('br=3200,d=2000,mtp=25400,ot=v,sid="sess-1"');
    const res = await edge.fetch(`/vod/cmcd/seg_00001.ts?token=secret-token&CMCD=${cmcd}`);
    await res.arrayBuffer();
    expect(res.headers.get('cmsd-static')).toBe('ot=v,sf=h,v=1');
    expect(res.headers.get('cmsd-dynamic')).toBe('"edge-test";etp=25400');
    const [record] = await waitForRecords(edge, '/vod/cmcd/seg_00001.ts', 1);
    expect(record).toMatchObject({ sessionId: 'sess-1', cmcd: { br: 3200, d: 2000, mtp: 25400, ot: 'v' } });
    expect(JSON.stringify(record)).not.toContain('secret-token');
  });

  it('states the region rendition cap as CMSD mb (kbps) only for viewers the cap applies to', async () => {
    const capped = await edgeWith({
      CMSD_NODE: 'edge-test',
      MANIFEST_POLICIES: JSON.stringify({ countries: { BR: { maxBandwidth: 1_500_000 } } }),
    });
    segment('/vod/cap/seg_00001.ts');
    const cmcd = encodeURIComponent('mtp=9000');
    const br = await capped.fetch(`/vod/cap/seg_00001.ts?CMCD=${cmcd}`, { cf: { country: 'BR' } });
    await br.arrayBuffer();
    expect(br.headers.get('cmsd-dynamic')).toBe('"edge-test";etp=9000;mb=1500');
    const de = await capped.fetch('/vod/cap/seg_00001.ts', { cf: { country: 'DE' } });
    await de.arrayBuffer();
    expect(de.headers.get('cmsd-dynamic')).toBe('"edge-test"');
  });

  it('records what was sent when the client disconnects early', async () => {
    const path = '/vod/abort/seg_00001.ts';
    shield.route(path, {
      // Big enough that a write after the disconnect fails instead of landing in socket buffers.
      body: [
        'a'.repeat(100_000),
        'b'.repeat(100_000),
        'c'.repeat(100_000),
        'd'.repeat(100_000),
        'e'.repeat(100_000),
      ],
      chunkDelayMs: 400,
      headers: { 'content-type': 'video/mp2t', 'cache-control': 'no-store' },
    });
    // A raw socket, so the disconnect reaches workerd (Miniflare's dispatchFetch keeps reading).
    const url = await edge.mf.ready;
    const socket = connect(Number(url.port), url.hostname);
    socket.write(`GET ${path} HTTP/1.1\r\nHost: edge.test\r\n\r\n`);
    let received = '';
    await new Promise<void>((resolve) => {
      socket.on('data', (chunk: Buffer) => {
        received += chunk.toString('latin1');
        if (received.includes('a'.repeat(1000))) resolve();
      });
    });
    socket.destroy();
    const [record] = await waitForRecords(edge, path, 1);
    expect(record?.aborted).toBe(true);
    expect(record?.bytes).toBeGreaterThanOrEqual(1000);
    expect(record?.bytes).toBeLessThan(500_000);
  });
});

describe('sink failures', () => {
  it('still sends the full response when the Queue and Analytics Engine sinks throw', async () => {
    // Text bindings where objects are expected: every send/writeDataPoint throws a TypeError.
    const edge = await edgeWith(
      {},
      {
        bindings: {
          EGRESS_QUEUE: { type: 'text', value: 'broken' },
          EGRESS: { type: 'text', value: 'broken' },
        },
      },
    );
    segment('/vod/broken/seg_00001.ts');
    const res = await edge.fetch('/vod/broken/seg_00001.ts');
    expect(res.status).toBe(200);
    expect((await res.arrayBuffer()).byteLength).toBe(BODY.length);
    expect(await waitForRecords(edge, '/vod/broken/seg_00001.ts', 1)).toHaveLength(1);
    const failures = (await logsWith(edge, 'egress-sink-failed')).filter((m) =>
      m.includes('egress-sink-failed'),
    );
    expect(failures.length).toBeGreaterThanOrEqual(1);
  });
});

describe('Queue → consumer → D1 ledger', () => {
  it('writes one ledger row per response with the same bytes', async () => {
    const edge = await edgeWith(
      { EGRESS_STDOUT: 'off' },
      {
        bindings: { EGRESS_QUEUE: { type: 'queue', name: 'egress' }, LEDGER: { type: 'd1', id: 'ledger' } },
        triggers: [{ type: 'queue', name: 'egress', maxBatchSize: 10, maxBatchTimeout: 0.1 }],
      },
    );
    segment('/vod/d1/seg_00001.ts');
    let sent = 0;
    for (let i = 0; i < 3; i++)
      sent += (await (await edge.fetch('/vod/d1/seg_00001.ts')).arrayBuffer()).byteLength;
    sent += (await (await edge.fetch('/vod/d1/missing.txt')).arrayBuffer()).byteLength;

    const db = await edge.mf.getD1Database('LEDGER');
    const deadline = Date.now() + 10_000;
    let row: { n: number; bytes: number } | null = null;
    while (Date.now() < deadline) {
      try {
        row = await db.prepare('SELECT COUNT(*) AS n, SUM(bytes) AS bytes FROM egress_records').first();
      } catch {
        row = null; // table not created yet: the first batch has not arrived
      }
      if (row && row.n >= 4) break;
      await new Promise((r) => setTimeout(r, 100));
    }
    expect(row).toEqual({ n: 4, bytes: sent });
    expect(recordsFor(edge, '/vod/d1/seg_00001.ts')).toHaveLength(0);
  });

  it('keeps the consumer schema identical to the migration file', async () => {
    const { readFile } = await import('node:fs/promises');
    const sql = await readFile(
      new URL('../../src/edge/egress/migrations/0001_egress_records.sql', import.meta.url),
      'utf8',
    );
    expect(LEDGER_SCHEMA).toBe(sql);
  });
});
