/**
 * The shield's egress recorder (origin/egress.ts) on a real Node HTTP server: bytes counted from
 * what the response wrote, early disconnects marked, and a stalled sink bounded, never blocking.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { PassThrough, Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createShieldEgressLog, trackShieldResponse } from '../../origin/egress.ts';
import type { EgressRecord } from '../../src/core/ledger/record.ts';

const lines: string[] = [];
const sink = new PassThrough();
sink.on('data', (chunk: Buffer) =>
  lines.push(
    ...chunk
      .toString('utf8')
      .split('\n')
      .filter((l) => l !== ''),
  ),
);
const log = createShieldEgressLog(sink);
let server: Server;
let base: string;

beforeAll(async () => {
  server = createServer((req, res) => {
    trackShieldResponse(
      req,
      res,
      { path: req.url?.split('?')[0] ?? '/', originBytes: () => 0, now: Date.now },
      log,
    );
    res.setHeader('x-cache', 'HIT');
    if (req.url?.startsWith('/slow')) {
      res.write('a'.repeat(1000));
      setTimeout(() => res.end('b'.repeat(1000)), 1000);
      return;
    }
    res.write('hello ');
    res.end('world');
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  server.closeAllConnections();
  await new Promise((r) => server.close(r));
});

/** The record for `path` once written (on the response's 'close'), polling up to 10 s. */
async function recordFor(path: string): Promise<EgressRecord | undefined> {
  const deadline = Date.now() + 10_000;
  for (;;) {
    const found = lines.map((l) => JSON.parse(l) as EgressRecord).find((r) => r.path === path);
    if (found || Date.now() > deadline) return found;
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe('shield egress records', () => {
  it('records the body bytes written, the cache status and CMCD', async () => {
    const res = await fetch(`${base}/vod/a.ts?CMCD=${encodeURIComponent('sid="s9",br=800')}`);
    expect(await res.text()).toBe('hello world');
    expect(await recordFor('/vod/a.ts')).toMatchObject({
      tier: 'shield',
      status: 200,
      cacheStatus: 'HIT',
      bytes: 11,
      sessionId: 's9',
      cmcd: { br: 800 },
    });
  });

  it('marks a response the client abandoned and counts what was written', async () => {
    const controller = new AbortController();
    const res = await fetch(`${base}/slow/b.ts`, { signal: controller.signal });
    const reader = res.body?.getReader();
    await reader?.read();
    controller.abort();
    const record = await recordFor('/slow/b.ts');
    expect(record?.aborted).toBe(true);
    expect(record?.bytes).toBe(1000);
  });

  it('drops lines beyond the buffer bound instead of blocking when the sink stalls', () => {
    const stalled = new Writable({ highWaterMark: 1, write: () => {} }); // never calls back
    const bounded = createShieldEgressLog(stalled, { maxBufferedBytes: 1000 });
    const record = {
      ts: 0,
      tier: 'shield',
      status: 200,
      cacheStatus: 'HIT',
      bytes: 1,
      headerBytes: 1,
      contentKind: 'segment',
      path: '/x.ts',
      contentId: '/',
      originBytes: 0,
      durationMs: 0,
    } as const;
    for (let i = 0; i < 100; i++) bounded.write(record);
    expect(bounded.dropped()).toBeGreaterThan(80);
  });
});
