/**
 * End to end through real processes: dev packager → origin shield → edge (`wrangler dev`, workerd).
 * ffprobe/ffmpeg read real H.264/AAC HLS through the edge, as a player would. Auth is required (the
 * default): URLs are signed with the stack's dev keys, path form (`/~t/<token>/…`) so relative playlist
 * URIs carry the token with no manifest rewriting.
 */
import { spawnSync } from 'node:child_process';
import { resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureMedia } from '../../scripts/media/make-media.ts';
import { REPO_ROOT, type Stack, startStack } from '../../scripts/stack/start-stack.ts';
import { ffmpegAvailable, requireInCi } from '../fixtures/tools.ts';

requireInCi(ffmpegAvailable, 'ffmpeg');

const RENDITIONS = ['360p', '540p', '720p'] as const;

/** Frames ffmpeg decodes from the first `seconds` of a stream read through `url`. */
function decodedVideoFrames(url: string, seconds: number): number {
  const run = spawnSync(
    'ffmpeg',
    ['-v', 'error', '-nostdin', '-t', String(seconds), '-i', url, '-map', '0:v:0', '-f', 'framemd5', '-'],
    { encoding: 'utf8', timeout: 60_000 },
  );
  if (run.status !== 0) throw new Error(`ffmpeg failed on ${url}: ${run.stderr}`);
  return run.stdout.split('\n').filter((line) => line !== '' && !line.startsWith('#')).length;
}

describe.skipIf(!ffmpegAvailable)('local stack end to end', () => {
  let stack: Stack;

  beforeAll(async () => {
    const mediaDir = resolve(REPO_ROOT, '.media');
    await ensureMedia(mediaDir);
    stack = await startStack({ mediaDir });
  });

  afterAll(async () => {
    await stack?.stop();
  });

  /** A signed path-form URL opening everything under the path's top-level folder. */
  const signed = (path: string) => stack.sign(path, { in: 'path', acl: [`/${path.split('/')[1]}/`] });

  it('serves the master playlist through the edge, then from the edge cache', async () => {
    const first = await fetch(await signed('/vod/ts/master.m3u8'));
    const text = await first.text();
    expect(first.status).toBe(200);
    expect(first.headers.get('content-type')).toContain('application/vnd.apple.mpegurl');
    expect(text).toContain('#EXTM3U');
    expect(text.match(/#EXT-X-STREAM-INF/g)?.length).toBe(3);
    const second = await fetch(await signed('/vod/ts/master.m3u8'));
    await second.arrayBuffer();
    expect(second.headers.get('x-cache')).toBe('HIT');
  });

  it('ffprobe reads the master playlist through the edge and finds every rendition', async () => {
    const master = await signed('/vod/ts/master.m3u8');
    const run = spawnSync(
      'ffprobe',
      ['-v', 'error', '-show_entries', 'stream=codec_type,codec_name,height', '-of', 'json', master],
      { encoding: 'utf8', timeout: 60_000 },
    );
    expect(run.status, run.stderr).toBe(0);
    const streams = (
      JSON.parse(run.stdout) as { streams: { codec_type: string; codec_name: string; height?: number }[] }
    ).streams;
    const heights = new Set(streams.filter((s) => s.codec_type === 'video').map((s) => s.height));
    expect([...heights].sort()).toEqual([360, 540, 720]);
    expect(streams.some((s) => s.codec_name === 'h264')).toBe(true);
    expect(streams.some((s) => s.codec_name === 'aac')).toBe(true);
  });

  it.each(RENDITIONS)(
    'ffmpeg decodes the first 4 s of the %s MPEG-TS rendition through the edge',
    async (r) => {
      expect(decodedVideoFrames(await signed(`/vod/ts/${r}/index.m3u8`), 4)).toBeGreaterThanOrEqual(
        4 * 30 - 2,
      );
    },
  );

  it.each(RENDITIONS)('ffmpeg decodes the first 4 s of the %s fMP4 rendition through the edge', async (r) => {
    expect(decodedVideoFrames(await signed(`/vod/fmp4/${r}/index.m3u8`), 4)).toBeGreaterThanOrEqual(
      4 * 30 - 2,
    );
  });

  it('serves a segment the edge has already cached without asking the shield again', async () => {
    const url = await signed('/vod/ts/360p/seg_00003.ts');
    const first = await fetch(url);
    const firstBytes = new Uint8Array(await first.arrayBuffer());
    const second = await fetch(url);
    const secondBytes = new Uint8Array(await second.arrayBuffer());
    expect(first.headers.get('content-type')).toBe('video/mp2t');
    expect(second.headers.get('x-cache')).toBe('HIT');
    expect(secondBytes).toEqual(firstBytes);
    expect(firstBytes[0]).toBe(0x47); // MPEG-TS sync byte
  });

  it('shares one edge cache entry between URLs that differ only by an unknown query parameter', async () => {
    const url = await stack.sign('/vod/ts/540p/seg_00004.ts');
    const viaEdge = await fetch(url);
    await viaEdge.arrayBuffer();
    expect(viaEdge.headers.get('x-cache-shield')).toBe('MISS');
    const again = await fetch(`${url}&cachebuster=1`);
    await again.arrayBuffer();
    expect(again.headers.get('x-cache')).toBe('HIT');
  });

  it.each([
    '/vod/..%2f..%2fetc/passwd.ts',
    '/vod/%252e%252e/%252e%252e/etc/passwd.ts',
    '/vod/..%5c..%5cx.ts',
  ])('refuses encoded traversal %s at the edge with a coded 400', async (path) => {
    const res = await fetch(`${stack.edgeUrl}${path}`);
    expect(res.status).toBe(400);
    expect(((await res.json()) as { code: string }).code).toBe('EDGE_ERR_BAD_PATH');
  });

  it('resolves dot segments before routing, so /%2e%2e/ cannot climb out of the namespace', async () => {
    // The URL parser folds %2e%2e like '..' (WHATWG URL); what reaches the shield is /etc/passwd.ts.
    const token = new URL(await stack.sign('/etc/passwd.ts', { acl: ['/'] })).searchParams.get('token');
    const res = await fetch(`${stack.edgeUrl}/vod/%2e%2e/%2e%2e/etc/passwd.ts?token=${token}`);
    expect(res.status).toBe(404);
  });

  it('serves the simulated live stream through the edge with an advancing media sequence', async () => {
    const playlistUrl = await signed('/live/ts/360p/index.m3u8');
    const res = await fetch(playlistUrl);
    const text = await res.text();
    expect(res.status).toBe(200);
    expect(text).toContain('#EXT-X-MEDIA-SEQUENCE:');
    expect(text).not.toContain('#EXT-X-ENDLIST');
    const lastSegment = text
      .split('\n')
      .filter((l) => l.endsWith('.ts'))
      .at(-1);
    expect(lastSegment).toBeDefined();
    const seg = await fetch(new URL(lastSegment ?? '', playlistUrl));
    expect(seg.status).toBe(200);
    expect(new Uint8Array(await seg.arrayBuffer())[0]).toBe(0x47);
  });
});
