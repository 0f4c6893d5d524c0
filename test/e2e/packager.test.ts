/**
 * The dev packager on a real socket over real ffmpeg media (made once into a temp dir): VOD files
 * with origin HTTP semantics and the simulated live window driven by an injected clock (CLIs:
 * packager-cli.test.ts).
 */
import { execFile, spawnSync } from 'node:child_process';
import {
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureMedia, type MediaInfo } from '../../scripts/media/make-media.ts';
import { type RunningPackager, startPackager } from '../../scripts/packager/server.ts';
import { ffmpegAvailable, requireInCi } from '../fixtures/tools.ts';

requireInCi(ffmpegAvailable, 'ffmpeg');

const execFileAsync = promisify(execFile);
const WINDOW = 4;
const SEGMENT_MS = 2_000;
/** Live msn 0 starts here; the clock starts 1000 segments (66 loops and a bit) later. */
const LIVE_START = Date.UTC(2030, 0, 1);

interface Reply {
  readonly status: number;
  readonly headers: Record<string, string | string[] | undefined>;
  readonly body: Buffer;
}

/** Raw node:http request: the path goes on the wire exactly as given (fetch would resolve `%2e%2e`). */
function send(
  base: string,
  rawPath: string,
  init: { method?: string; headers?: Record<string, string> } = {},
) {
  return new Promise<Reply>((resolve, reject) => {
    const options = { path: rawPath, method: init.method ?? 'GET', headers: init.headers ?? {} };
    const req = request(base, options, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () =>
        resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }),
      );
      res.on('error', reject);
    });
    req.setTimeout(10_000, () => req.destroy(new Error(`timeout on ${rawPath}`)));
    req.on('error', reject);
    req.end();
  });
}

const tag = (playlist: string, name: string) =>
  playlist
    .split('\n')
    .find((l) => l.startsWith(`${name}:`))
    ?.slice(name.length + 1);

function uris(playlist: string): string[] {
  return playlist.split('\n').filter((l) => l !== '' && !l.startsWith('#'));
}

describe.skipIf(!ffmpegAvailable)('dev packager over real media', () => {
  let work: string;
  let media: MediaInfo;
  let packager: RunningPackager;
  let clock = LIVE_START + 1_000 * SEGMENT_MS + 500;
  const get = (p: string, init?: Parameters<typeof send>[2]) => send(packager.url, p, init);
  const vodFile = (p: string) => readFileSync(path.join(media.dir, p));

  beforeAll(async () => {
    work = mkdtempSync(path.join(tmpdir(), 'edgeshield-packager-'));
    // Leftover of a run killed mid-generation: its process (this short-lived child) is gone.
    const deadPid = spawnSync(process.execPath, ['-e', '']).pid;
    mkdirSync(path.join(work, `.media.tmp-${deadPid}-stale`, 'vod'), { recursive: true });
    media = await ensureMedia(path.join(work, 'media'));
    packager = await startPackager({
      host: '127.0.0.1',
      port: 0,
      root: media.dir,
      liveWindow: WINDOW,
      now: () => clock,
      liveStartMs: LIVE_START,
    });
  });

  afterAll(async () => {
    await packager?.close();
    if (work !== undefined) rmSync(work, { recursive: true, force: true });
  });

  describe('media maker', () => {
    it('describes three renditions of 15 two-second segments', () => {
      expect(media.renditions.map((r) => [r.name, r.width, r.height])).toEqual([
        ['360p', 640, 360],
        ['540p', 960, 540],
        ['720p', 1280, 720],
      ]);
      expect(media.segmentCount).toBe(15);
      expect(media.segmentDuration).toBe(2);
      expect(media.totalDuration).toBe(30);
      expect(media.generated).toBe(true);
    });

    it('renames the finished media into place and clears temp dirs of dead runs', () => {
      expect(readdirSync(work)).toEqual(['media']);
      expect(readdirSync(media.dir).sort()).toEqual(['.complete.json', 'vod']);
    });

    it('reuses complete media instead of encoding again', async () => {
      const again = await ensureMedia(media.dir);
      expect(again.generated).toBe(false);
      expect(again.renditions).toEqual(media.renditions);
    });

    it('refuses to replace a directory it did not make', async () => {
      const foreign = path.join(work, 'foreign');
      mkdirSync(foreign);
      writeFileSync(path.join(foreign, 'notes.txt'), 'mine');
      await expect(ensureMedia(foreign)).rejects.toMatchObject({ code: 'PACKAGER_ERR_MEDIA_DIR_NOT_EMPTY' });
      expect(readFileSync(path.join(foreign, 'notes.txt'), 'utf8')).toBe('mine');
    });

    it('refuses, even with force, a folder whose only entry is an operator vod/ tree', async () => {
      const operator = path.join(work, 'operator');
      mkdirSync(path.join(operator, 'vod', 'show'), { recursive: true });
      writeFileSync(path.join(operator, 'vod', 'show', 'master.m3u8'), '#EXTM3U\n');
      for (const force of [false, true]) {
        await expect(ensureMedia(operator, { force })).rejects.toMatchObject({
          code: 'PACKAGER_ERR_MEDIA_DIR_NOT_EMPTY',
        });
      }
      expect(readFileSync(path.join(operator, 'vod', 'show', 'master.m3u8'), 'utf8')).toBe('#EXTM3U\n');
      expect(readdirSync(work).filter((n) => n.includes('operator'))).toEqual(['operator']);
    });
  });

  describe('VOD', () => {
    it.each(['ts', 'fmp4', 'aes'])(
      'lists the three renditions in the %s master with codecs and resolution',
      async (f) => {
        const res = await get(`/vod/${f}/master.m3u8`);
        const text = res.body.toString();
        expect(res.status).toBe(200);
        expect(res.headers['content-type']).toBe('application/vnd.apple.mpegurl');
        expect(res.headers['cache-control']).toBe('public, max-age=300');
        expect(uris(text)).toEqual(['360p/index.m3u8', '540p/index.m3u8', '720p/index.m3u8']);
        expect(text).toMatch(
          /RESOLUTION=1280x720,CODECS="avc1\.4d40[0-9a-f]{2},mp4a\.40\.2",FRAME-RATE=30\.000/,
        );
        expect(text).toContain('#EXT-X-INDEPENDENT-SEGMENTS');
      },
    );

    it('serves the TS media playlist and its segments as video/mp2t, cached for a year', async () => {
      const playlist = await get('/vod/ts/720p/index.m3u8');
      expect(playlist.status).toBe(200);
      expect(uris(playlist.body.toString())).toHaveLength(15);
      expect(playlist.body.toString()).toContain('#EXT-X-ENDLIST');
      const segment = await get('/vod/ts/720p/seg_00003.ts');
      expect(segment.status).toBe(200);
      expect(segment.headers['content-type']).toBe('video/mp2t');
      expect(segment.headers['cache-control']).toBe('public, max-age=31536000, immutable');
      expect(segment.body.equals(vodFile('vod/ts/720p/seg_00003.ts'))).toBe(true);
      expect(segment.headers['content-length']).toBe(String(segment.body.length));
      expect(segment.headers['access-control-allow-origin']).toBe('*');
    });

    it('serves the fMP4 playlist with EXT-X-MAP, the init segment and m4s segments', async () => {
      const playlist = (await get('/vod/fmp4/360p/index.m3u8')).body.toString();
      expect(playlist).toContain('#EXT-X-MAP:URI="init.mp4"');
      const init = await get('/vod/fmp4/360p/init.mp4');
      expect(init.headers['content-type']).toBe('video/mp4');
      const segment = await get('/vod/fmp4/360p/seg_00000.m4s');
      expect(segment.status).toBe(200);
      expect(segment.headers['content-type']).toBe('video/iso.segment');
    });

    it('hands ffprobe a segment holding H.264 video and AAC audio', async () => {
      // Async: the packager runs in this process, so a synchronous spawn would starve it.
      const { stdout } = await execFileAsync(
        'ffprobe',
        [
          '-v',
          'error',
          '-show_entries',
          'stream=codec_name',
          '-of',
          'json',
          `${packager.url}/vod/ts/540p/seg_00002.ts`,
        ],
        { timeout: 30_000 },
      );
      const names = (JSON.parse(stdout) as { streams: { codec_name: string }[] }).streams.map(
        (s) => s.codec_name,
      );
      expect(names.sort()).toEqual(['aac', 'h264']);
    });

    it('answers a single byte range with 206 and exactly those bytes', async () => {
      const whole = vodFile('vod/ts/360p/seg_00001.ts');
      const res = await get('/vod/ts/360p/seg_00001.ts', { headers: { Range: 'bytes=100-1123' } });
      expect(res.status).toBe(206);
      expect(res.headers['content-range']).toBe(`bytes 100-1123/${whole.length}`);
      expect(res.headers['content-length']).toBe('1024');
      expect(res.body.equals(whole.subarray(100, 1124))).toBe(true);
    });

    it('answers a suffix range with the last bytes', async () => {
      const whole = vodFile('vod/ts/360p/seg_00001.ts');
      const res = await get('/vod/ts/360p/seg_00001.ts', { headers: { Range: 'bytes=-188' } });
      expect(res.status).toBe(206);
      expect(res.body.equals(whole.subarray(whole.length - 188))).toBe(true);
    });

    it('answers a range past the end with 416 and the full length', async () => {
      const size = vodFile('vod/ts/360p/seg_00001.ts').length;
      const res = await get('/vod/ts/360p/seg_00001.ts', { headers: { Range: `bytes=${size}-` } });
      expect(res.status).toBe(416);
      expect(res.headers['content-range']).toBe(`bytes */${size}`);
    });

    it('answers 304 when If-None-Match carries the current ETag', async () => {
      const first = await get('/vod/ts/360p/index.m3u8');
      const etag = String(first.headers.etag);
      expect(etag).toMatch(/^"[^"]+"$/);
      const second = await get('/vod/ts/360p/index.m3u8', { headers: { 'If-None-Match': etag } });
      expect(second.status).toBe(304);
      expect(second.body.length).toBe(0);
      expect(second.headers.etag).toBe(etag);
    });

    it('answers 304 when If-Modified-Since is not older than Last-Modified', async () => {
      const first = await get('/vod/ts/360p/index.m3u8');
      const lastModified = String(first.headers['last-modified']);
      const second = await get('/vod/ts/360p/index.m3u8', { headers: { 'If-Modified-Since': lastModified } });
      expect(second.status).toBe(304);
    });

    it('answers HEAD with Content-Length and no body', async () => {
      const size = vodFile('vod/ts/720p/seg_00000.ts').length;
      const res = await get('/vod/ts/720p/seg_00000.ts', { method: 'HEAD' });
      expect(res.status).toBe(200);
      expect(res.headers['content-length']).toBe(String(size));
      expect(res.headers['accept-ranges']).toBe('bytes');
      expect(res.body.length).toBe(0);
    });
  });

  describe('errors', () => {
    it('refuses encoded traversal with 400 PACKAGER_ERR_BAD_PATH', async () => {
      const res = await get('/%2e%2e/etc/passwd');
      expect(res.status).toBe(400);
      expect(JSON.parse(res.body.toString())).toMatchObject({ code: 'PACKAGER_ERR_BAD_PATH' });
    });

    it('answers a missing file with 404 JSON carrying the code', async () => {
      const res = await get('/vod/ts/360p/seg_99999.ts');
      expect(res.status).toBe(404);
      expect(res.headers['content-type']).toBe('application/json');
      expect(res.headers['access-control-allow-origin']).toBe('*');
      expect(JSON.parse(res.body.toString())).toMatchObject({ code: 'PACKAGER_ERR_NOT_FOUND' });
    });

    it('does not list directories', async () => {
      expect((await get('/vod/ts/')).status).toBe(404);
    });

    it('does not serve dot-files such as the completion marker', async () => {
      expect((await get('/.complete.json')).status).toBe(404);
    });

    it('does not follow a symlink that leaves the root', async () => {
      symlinkSync('/etc/hostname', path.join(media.dir, 'vod', 'escape.ts'));
      const res = await get('/vod/escape.ts');
      rmSync(path.join(media.dir, 'vod', 'escape.ts'));
      expect(res.status).toBe(404);
    });

    it('answers POST with 405 and the allowed methods', async () => {
      const res = await get('/vod/ts/master.m3u8', { method: 'POST' });
      expect(res.status).toBe(405);
      expect(res.headers.allow).toBe('GET, HEAD, OPTIONS');
      expect(JSON.parse(res.body.toString())).toMatchObject({ code: 'PACKAGER_ERR_METHOD_NOT_ALLOWED' });
    });

    it('answers a CORS preflight with 204 and the allowed methods', async () => {
      const res = await get('/vod/ts/master.m3u8', {
        method: 'OPTIONS',
        headers: { Origin: 'https://player.example', 'Access-Control-Request-Method': 'GET' },
      });
      expect(res.status).toBe(204);
      expect(res.headers['access-control-allow-methods']).toBe('GET, HEAD, OPTIONS');
    });
  });

  describe('live', () => {
    it('slides the window: one target duration later the media sequence is one higher', async () => {
      const before = (await get('/live/ts/720p/index.m3u8')).body.toString();
      clock += SEGMENT_MS;
      const after = await get('/live/ts/720p/index.m3u8');
      const text = after.body.toString();
      expect(Number(tag(text, '#EXT-X-MEDIA-SEQUENCE'))).toBe(
        Number(tag(before, '#EXT-X-MEDIA-SEQUENCE')) + 1,
      );
      expect(uris(text)).toHaveLength(WINDOW);
      expect(text).not.toContain('#EXT-X-ENDLIST');
      expect(text).toContain('#EXT-X-PROGRAM-DATE-TIME:');
      expect(after.headers['cache-control']).toBe('public, max-age=1');
      expect(after.headers['content-type']).toBe('application/vnd.apple.mpegurl');
    });

    it('serves the live edge segment with the bytes of VOD segment msn % count', async () => {
      const text = (await get('/live/ts/360p/index.m3u8')).body.toString();
      const edge = uris(text).at(-1) ?? '';
      const msn = Number(/seg_(\d+)\.ts/.exec(edge)?.[1]);
      const res = await get(`/live/ts/360p/${edge}`);
      expect(res.status).toBe(200);
      const source = `vod/ts/360p/seg_${String(msn % media.segmentCount).padStart(5, '0')}.ts`;
      expect(res.body.equals(vodFile(source))).toBe(true);
    });

    it('answers 404 for a segment past the live edge: it does not exist yet', async () => {
      const text = (await get('/live/ts/360p/index.m3u8')).body.toString();
      const edgeMsn = Number(tag(text, '#EXT-X-MEDIA-SEQUENCE')) + WINDOW - 1;
      const res = await get(`/live/ts/360p/seg_${edgeMsn + 1}.ts`);
      expect(res.status).toBe(404);
      expect(JSON.parse(res.body.toString())).toMatchObject({ code: 'PACKAGER_ERR_NOT_FOUND' });
    });

    it('answers 404 for a segment long gone from the window', async () => {
      expect((await get('/live/ts/360p/seg_3.ts')).status).toBe(404);
    });

    it('marks the loop wrap with EXT-X-DISCONTINUITY and EXT-X-MAP in fMP4', async () => {
      // Put the window across a loop boundary: edge at the second segment of a loop.
      clock = LIVE_START + (15 * 70 + 1) * SEGMENT_MS + 100;
      const text = (await get('/live/fmp4/540p/index.m3u8')).body.toString();
      expect(text).toContain('#EXT-X-DISCONTINUITY\n#EXT-X-MAP:URI="init.mp4"\n');
      expect(tag(text, '#EXT-X-DISCONTINUITY-SEQUENCE')).toBe('69');
      expect(uris(text).at(-1)).toBe(`seg_${15 * 70 + 1}.m4s`);
      const init = await get('/live/fmp4/540p/init.mp4');
      expect(init.body.equals(vodFile('vod/fmp4/540p/init.mp4'))).toBe(true);
    });

    it('serves the VOD master as the live master', async () => {
      const res = await get('/live/ts/master.m3u8');
      expect(res.body.equals(vodFile('vod/ts/master.m3u8'))).toBe(true);
    });
  });
});
