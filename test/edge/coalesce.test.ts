/**
 * Single-flight at the edge in workerd: concurrent misses for one key make one shield request and
 * every waiter streams the same bytes as they arrive (src/edge/coalesce.ts).
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { describe, expect, it } from 'vitest';
import { startEdgeWorker, useEdgeWithShield, waitUntilCached } from './edge-worker.ts';

const IMMUTABLE = 'public, max-age=31536000, immutable';
const CHUNKS = Array.from({ length: 5 }, (_, i) => `chunk-${i}-${'x'.repeat(2000)}|`);
const CHUNK_DELAY_MS = 150;

const { shield, edge } = useEdgeWithShield({ AUTH_MODE: 'off', SHIELD_TIMEOUT_MS: '10000' });

function slowSegment(path: string): void {
  shield().route(path, {
    body: CHUNKS,
    chunkDelayMs: CHUNK_DELAY_MS,
    headers: { 'content-type': 'video/mp2t', 'cache-control': IMMUTABLE, 'x-cache': 'MISS' },
  });
}

describe('single-flight per key', () => {
  it('answers 200 concurrent misses for one segment with exactly 1 shield request, streamed to all', async () => {
    // A shield that sends the first chunk, then holds the rest until the test releases it: every
    // viewer must see bytes while the shield has not finished (stream-while-fill), no timing involved.
    let release: () => void = () => undefined;
    const released = new Promise<void>((resolve) => {
      release = resolve;
    });
    let requests = 0;
    const gated = createServer((_req, res) => {
      requests += 1;
      res.writeHead(200, { 'content-type': 'video/mp2t', 'cache-control': IMMUTABLE });
      res.write(CHUNKS[0]);
      void released.then(() => res.end(CHUNKS.slice(1).join('')));
    });
    await new Promise<void>((resolve) => gated.listen(0, '127.0.0.1', resolve));
    const gatedEdge = await startEdgeWorker({
      AUTH_MODE: 'off',
      SHIELD_URLS: `http://127.0.0.1:${(gated.address() as AddressInfo).port}`,
    });
    try {
      const responses = await Promise.all(
        Array.from({ length: 200 }, () => gatedEdge.fetch('/live/storm/seg_100.ts')),
      );
      const readers = responses.map((r) => (r.body as unknown as ReadableStream<Uint8Array>).getReader());
      const firsts = await Promise.all(readers.map((reader) => reader.read()));
      expect(firsts.every((f) => !f.done && f.value.byteLength > 0)).toBe(true);
      expect(requests).toBe(1);
      release();
      const decoder = new TextDecoder();
      const bodies = await Promise.all(
        readers.map(async (reader, i) => {
          let text = decoder.decode(firsts[i]?.value);
          for (;;) {
            const chunk = await reader.read();
            if (chunk.done) return text;
            text += decoder.decode(chunk.value);
          }
        }),
      );
      expect(new Set(bodies)).toEqual(new Set([CHUNKS.join('')]));
      const statuses = responses.map((r) => r.headers.get('x-cache'));
      expect(statuses.filter((s) => s === 'MISS')).toHaveLength(1);
      expect(statuses.filter((s) => s === 'COALESCED')).toHaveLength(199);
      expect(requests).toBe(1);
    } finally {
      release();
      await gatedEdge.dispose();
      gated.closeAllConnections();
      await new Promise<void>((resolve) => gated.close(() => resolve()));
    }
  });

  it('coalesces token and CMCD variants of one object into one flight and one entry', async () => {
    const path = '/live/variants/seg_7.ts';
    slowSegment(path);
    const queries = ['?token=a', '?token=b&CMCD=sid%3D%22s1%22', '?CMCD=br%3D3000', '', '?_=123&token=c'];
    const responses = await Promise.all(queries.map((q) => edge().fetch(`${path}${q}`)));
    await Promise.all(responses.map((r) => r.text()));
    expect(shield().count(path)).toBe(1);
    await waitUntilCached(edge(), path);
    const later = await edge().fetch(`${path}?token=z&CMCD=bl%3D100`);
    await later.text();
    expect(later.headers.get('x-cache')).toBe('HIT');
    expect(shield().count(path)).toBe(1);
  });

  it('lets a HEAD join a flight without reading the body', async () => {
    const path = '/live/head-join/seg_1.ts';
    slowSegment(path);
    const [get, head] = await Promise.all([edge().fetch(path), edge().fetch(path, { method: 'HEAD' })]);
    expect(await get.text()).toBe(CHUNKS.join(''));
    expect(head.status).toBe(200);
    expect(await head.text()).toBe('');
    expect(shield().count(path)).toBe(1);
  });

  it('answers a Range joining a flight from the whole object', async () => {
    const path = '/live/range-join/seg_1.ts';
    slowSegment(path);
    const [whole, part] = await Promise.all([
      edge().fetch(path),
      edge().fetch(path, { headers: { range: 'bytes=0-6' } }),
    ]);
    expect(await whole.text()).toBe(CHUNKS.join(''));
    expect(part.status).toBe(206);
    expect(await part.text()).toBe('chunk-0');
    expect(part.headers.get('content-range')).toBe(`bytes 0-6/${CHUNKS.join('').length}`);
    expect(shield().count(path)).toBe(1);
  });

  it('gives every waiter the error when the shared shield request fails', async () => {
    const path = '/live/fail/seg_1.ts';
    // Delayed so all five are waiting on the one flight when it fails.
    shield().route(path, { status: 503, body: 'down', delayMs: 300 });
    const responses = await Promise.all(Array.from({ length: 5 }, () => edge().fetch(path)));
    await Promise.all(responses.map((r) => r.text()));
    expect(responses.map((r) => r.status)).toEqual([502, 502, 502, 502, 502]);
    expect(shield().count(path)).toBe(1);
  });
});
