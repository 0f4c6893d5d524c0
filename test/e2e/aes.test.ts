/**
 * AES-128 key delivery end to end through real processes (packager → shield → wrangler dev): the
 * content key of the encrypted sample set (`/vod/aes/…`) needs a valid token, is never cacheable
 * downstream of the edge, and ffmpeg decrypts and decodes an encrypted rendition through the edge by
 * following the playlist's relative key URI under a signed path-form URL.
 */
import { execFile } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AES_KEY_PATH, decryptSampleAes, sampleAesKey } from '../../scripts/media/aes.ts';
import { ensureMedia, type MediaInfo } from '../../scripts/media/make-media.ts';
import { REPO_ROOT, type Stack, startStack } from '../../scripts/stack/start-stack.ts';
import { ffmpegAvailable, requireInCi } from '../fixtures/tools.ts';

requireInCi(ffmpegAvailable, 'ffmpeg');

const execFileAsync = promisify(execFile);
const KEY = `/${AES_KEY_PATH}`;
/** A token for the renditions and the master but not for the key directory. */
const ACL_WITHOUT_KEY = ['/vod/aes/master.m3u8', '/vod/aes/360p/', '/vod/aes/540p/', '/vod/aes/720p/'];

/** Per-frame MD5s of the first 4 s of video (framemd5 lines without the timestamp columns). */
async function videoFrameHashes(input: string): Promise<string[]> {
  const { stdout } = await execFileAsync(
    'ffmpeg',
    [
      '-hide_banner',
      '-nostdin',
      '-v',
      'error',
      '-i',
      input,
      '-map',
      '0:v:0',
      '-t',
      '4',
      '-f',
      'framemd5',
      '-',
    ],
    { timeout: 60_000, maxBuffer: 4 * 1024 * 1024 },
  );
  return stdout
    .split('\n')
    .filter((l) => l !== '' && !l.startsWith('#'))
    .map((l) => l.split(',').at(-1)?.trim() ?? '');
}

describe.skipIf(!ffmpegAvailable)('AES-128 encrypted VOD through the local stack', () => {
  let stack: Stack;
  let media: MediaInfo;

  beforeAll(async () => {
    media = await ensureMedia(resolve(REPO_ROOT, '.media'));
    stack = await startStack({ mediaDir: media.dir });
  });

  afterAll(async () => {
    await stack?.stop();
  });

  it('serves the 16-byte key to a valid token with Cache-Control no-store and private', async () => {
    const res = await fetch(await stack.sign(KEY));
    expect(res.status).toBe(200);
    const cacheControl = res.headers.get('cache-control') ?? '';
    expect(cacheControl).toContain('no-store');
    expect(cacheControl).toContain('private');
    const body = Buffer.from(await res.arrayBuffer());
    expect(body.length).toBe(16);
    expect(body.equals(sampleAesKey())).toBe(true);
  });

  it('answers a second key request from upstream, never from the edge cache (x-cache BYPASS)', async () => {
    const url = await stack.sign(KEY, { in: 'path' });
    for (let i = 0; i < 2; i++) {
      const res = await fetch(url);
      expect(res.status).toBe(200);
      expect(res.headers.get('x-cache')).toBe('BYPASS');
      // Age on every response (DESIGN.md "Response headers"); a key is always fresh from upstream.
      expect(res.headers.get('age')).toBe('0');
      await res.arrayBuffer();
    }
  });

  it('answers 401 EDGE_ERR_TOKEN_MISSING to a key request without a token', async () => {
    const res = await fetch(`${stack.edgeUrl}${KEY}`);
    expect(res.status).toBe(401);
    expect(((await res.json()) as { code: string }).code).toBe('EDGE_ERR_TOKEN_MISSING');
  });

  it('answers 403 to a key request whose token acl covers the renditions but not the key', async () => {
    const playlist = await fetch(await stack.sign('/vod/aes/360p/index.m3u8', { acl: ACL_WITHOUT_KEY }));
    expect(playlist.status).toBe(200);
    await playlist.arrayBuffer();
    const res = await fetch(await stack.sign(KEY, { acl: ACL_WITHOUT_KEY }));
    expect(res.status).toBe(403);
    expect(((await res.json()) as { code: string }).code).toBe('EDGE_ERR_TOKEN_INVALID');
  });

  it('serves encrypted segments that decrypt with the key to the plain TS segment', async () => {
    const res = await fetch(await stack.sign('/vod/aes/540p/seg_00004.ts', { acl: ['/vod/aes/'] }));
    expect(res.status).toBe(200);
    const cipher = Buffer.from(await res.arrayBuffer());
    const plain = await readFile(resolve(media.dir, 'vod/ts/540p/seg_00004.ts'));
    expect(cipher.equals(plain)).toBe(false);
    expect(decryptSampleAes(cipher).equals(plain)).toBe(true);
  });

  it('lets ffmpeg decode 4 s of an encrypted rendition through the edge, frame-identical to the clear one', async () => {
    const url = await stack.sign('/vod/aes/360p/index.m3u8', { in: 'path', acl: ['/vod/aes/'] });
    expect(url).toContain('/~t/');
    const encrypted = await videoFrameHashes(url);
    const clear = await videoFrameHashes(resolve(media.dir, 'vod/ts/360p/index.m3u8'));
    expect(encrypted).toHaveLength(4 * 30);
    expect(encrypted).toEqual(clear);
  });
});
