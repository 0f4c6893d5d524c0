/**
 * Egress recording when a body the edge generates cannot be read: a playlist whose shield body is
 * cut mid-way (the personalised playlist's source stream errors). The client must get a clean
 * answer, never a consumed body or a hang, and the ledger exactly one record marked aborted.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type CountingUpstream, startCountingUpstream } from '../fixtures/counting-upstream.ts';
import { type EdgeWorker, startEdgeWorker } from './edge-worker.ts';
import { recordsFor, waitForRecords } from './egress-records.ts';

const PLAYLIST = '/vod/cut/720p/index.m3u8';
let shield: CountingUpstream;
let edge: EdgeWorker;

beforeAll(async () => {
  shield = await startCountingUpstream();
  edge = await startEdgeWorker({ AUTH_MODE: 'off', SHIELD_URLS: shield.url, SHIELD_TIMEOUT_MS: '5000' });
});

afterAll(async () => {
  await edge?.dispose();
  await shield?.close();
});

describe('a generated body whose upstream breaks', () => {
  it('answers a clean 502 with CORS and writes exactly one aborted egress record', async () => {
    shield.route(PLAYLIST, {
      // First chunk, then the socket is destroyed: Content-Length promises far more than arrives.
      body: ['#EXTM3U\n#EXT-X-VERSION:3\n#EXT-X-TARGETDURATION:2\n', '#EXTINF:2,\nseg.ts\n'.repeat(200)],
      headers: { 'content-type': 'application/vnd.apple.mpegurl', 'cache-control': 'public, max-age=300' },
      truncate: true,
    });

    const res = await edge.fetch(PLAYLIST, { headers: { origin: 'https://player.example' } });
    expect(res.status).toBe(502);
    expect(res.headers.get('access-control-allow-origin')).not.toBeNull();
    const body = await res.text();
    expect(JSON.parse(body)).toMatchObject({ code: 'EDGE_ERR_SHIELD_UNREACHABLE' });

    const [record] = await waitForRecords(edge, PLAYLIST, 1);
    expect(record).toMatchObject({
      status: 502,
      aborted: true,
      bytes: new TextEncoder().encode(body).byteLength,
      contentKind: 'playlist',
    });
    // A later response's record has landed, so a second record for the playlist would have too.
    await (await edge.fetch('/healthz')).arrayBuffer();
    await waitForRecords(edge, '/healthz', 1);
    expect(recordsFor(edge, PLAYLIST)).toHaveLength(1);
  });
});
