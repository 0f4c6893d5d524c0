/**
 * The bench's fake packager (in the bench process): fixed objects for hit runs, slow "storm" objects
 * (200 KB under `/storm/`, 1 MB under `/storm1mb/`: headers at 200 ms, body finished at ~700 ms) and a
 * short-lived playlist for the expired storm. Counts requests per path and records how long each storm fill took. 127.0.0.1 only.
 */
import { createServer, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/** Timing of the slow storm object (the numbers). */
export const STORM = { bytes: 200 * 1024, headersAtMs: 200, doneAtMs: 700, chunks: 10 } as const;

/** max-age of the expired-storm playlist (a live media playlist's, CONTRACT.md). */
export const EXPIRED_MAX_AGE_SEC = 1;

export interface BenchOrigin {
  readonly url: string;
  count(path: string): number;
  /** Origin-side fill durations (request arrival → last byte written), ms. */
  readonly fillMs: number[];
  close(): Promise<void>;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Starts the origin on an ephemeral port. */
export async function startBenchOrigin(): Promise<BenchOrigin> {
  const counts = new Map<string, number>();
  const fillMs: number[] = [];
  const mb = Buffer.alloc(1024 * 1024, 0x47);
  const playlist = Buffer.from(`#EXTM3U\n${'#EXTINF:2.0,\nseg_00000.ts\n'.repeat(80)}`.slice(0, 2048));
  const stormBody = Buffer.alloc(STORM.bytes, 0x53);
  const sendSlowly = async (res: ServerResponse, body: Buffer, started: number) => {
    await sleep(STORM.headersAtMs);
    res.writeHead(200, {
      'content-type': 'video/mp2t',
      'cache-control': 'public, max-age=31536000',
      'content-length': body.length,
    });
    const step = Math.ceil(body.length / STORM.chunks);
    const gap = (STORM.doneAtMs - STORM.headersAtMs) / STORM.chunks;
    for (let i = 0; i < STORM.chunks; i++) {
      await sleep(gap);
      res.write(body.subarray(i * step, (i + 1) * step));
    }
    res.end(() => fillMs.push(performance.now() - started));
  };
  const server: Server = createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0] ?? '/';
    counts.set(path, (counts.get(path) ?? 0) + 1);
    const started = performance.now();
    if (path === '/healthz') {
      res.writeHead(200, { 'cache-control': 'no-store' }).end('ok');
    } else if (path.startsWith('/hit/') && path.endsWith('.ts')) {
      res.writeHead(200, {
        'content-type': 'video/mp2t',
        'cache-control': 'public, max-age=31536000, immutable',
        'content-length': mb.length,
        etag: '"mb"',
      });
      res.end(mb);
    } else if (path.startsWith('/hit/') && path.endsWith('.m3u8')) {
      res.writeHead(200, {
        'content-type': 'application/vnd.apple.mpegurl',
        'cache-control': 'public, max-age=300',
        'content-length': playlist.length,
      });
      res.end(playlist);
    } else if (path.startsWith('/storm/')) {
      void sendSlowly(res, stormBody, started);
    } else if (path.startsWith('/storm1mb/')) {
      void sendSlowly(res, mb, started);
    } else if (path.startsWith('/expired/')) {
      void (async () => {
        await sleep(STORM.headersAtMs);
        res.writeHead(200, {
          'content-type': 'application/vnd.apple.mpegurl',
          'cache-control': `public, max-age=${EXPIRED_MAX_AGE_SEC}`,
          'content-length': playlist.length,
        });
        res.end(playlist);
      })();
    } else if (path.startsWith('/rss/')) {
      res.writeHead(200, {
        'content-type': 'video/mp2t',
        'cache-control': 'public, max-age=31536000',
        'content-length': mb.length,
      });
      res.end(mb);
    } else {
      res.writeHead(404).end();
    }
  });
  server.keepAliveTimeout = 30_000;
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}`,
    count: (path) => counts.get(path) ?? 0,
    fillMs,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
