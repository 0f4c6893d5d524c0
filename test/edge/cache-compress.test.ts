/**
 * Playlist compression on the way out: the edge sets Content-Encoding per Accept-Encoding and
 * workerd encodes the body (brotli included, which CompressionStream lacks). Read over a raw socket
 * so nothing decodes for us; segments are never re-encoded.
 */
import { get } from 'node:http';
import { brotliDecompressSync, gunzipSync } from 'node:zlib';
import { beforeAll, describe, expect, it } from 'vitest';
import { useEdgeWithShield } from './edge-worker.ts';

const PLAYLIST = `#EXTM3U\n#EXT-X-TARGETDURATION:2\n${'#EXTINF:2.000,\nseg_00001.ts\n'.repeat(100)}#EXT-X-ENDLIST\n`;
const PL_HEADERS = {
  'content-type': 'application/vnd.apple.mpegurl',
  'cache-control': 'public, max-age=300',
};

let base: URL;

interface Raw {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: Buffer;
}

function raw(path: string, acceptEncoding: string | undefined): Promise<Raw> {
  return new Promise((resolve, reject) => {
    const headers: Record<string, string> = { host: 'edge.test' };
    if (acceptEncoding !== undefined) headers['accept-encoding'] = acceptEncoding;
    get(new URL(path, base), { headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () =>
        resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }),
      );
    }).on('error', reject);
  });
}

const { shield, edge } = useEdgeWithShield({ AUTH_MODE: 'off' });

beforeAll(async () => {
  shield().route('/vod/gz/index.m3u8', { body: PLAYLIST, headers: PL_HEADERS });
  shield().route('/vod/gz/seg.ts', { body: 'A'.repeat(5000), headers: { 'content-type': 'video/mp2t' } });
  base = await edge().mf.ready;
});

describe('compression', () => {
  it('gzips a playlist for a gzip-only client, with Vary: Accept-Encoding', async () => {
    const res = await raw('/vod/gz/index.m3u8', 'gzip');
    expect(res.headers['content-encoding']).toBe('gzip');
    expect(String(res.headers.vary)).toMatch(/accept-encoding/i);
    expect(gunzipSync(res.body).toString()).toBe(PLAYLIST);
  });

  it('prefers brotli when the client accepts it', async () => {
    const res = await raw('/vod/gz/index.m3u8', 'gzip, deflate, br');
    expect(res.headers['content-encoding']).toBe('br');
    expect(brotliDecompressSync(res.body).toString()).toBe(PLAYLIST);
  });

  it('sends identity to a client without Accept-Encoding', async () => {
    const res = await raw('/vod/gz/index.m3u8', undefined);
    expect(res.headers['content-encoding']).toBeUndefined();
    expect(res.body.toString()).toBe(PLAYLIST);
    expect(String(res.headers.vary)).toMatch(/accept-encoding/i);
  });

  it('never re-encodes a segment', async () => {
    const res = await raw('/vod/gz/seg.ts', 'gzip, br');
    expect(res.headers['content-encoding']).toBeUndefined();
    expect(res.body.toString()).toBe('A'.repeat(5000));
  });

  it('keeps the stored playlist identity-encoded and one entry for every encoding', async () => {
    await raw('/vod/gz/index.m3u8', 'br');
    await raw('/vod/gz/index.m3u8', 'gzip');
    expect(shield().count('/vod/gz/index.m3u8')).toBe(1);
  });

  it('puts x-cache and Server-Timing on every response, errors included', async () => {
    const res = await raw('/nothing-here.txt', undefined);
    expect(res.status).toBe(404);
    expect(res.headers['x-cache']).toBe('BYPASS');
    expect(String(res.headers['server-timing'])).toMatch(/edge;dur=\d+/);
  });
});
