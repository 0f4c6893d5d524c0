/**
 * `SHIELD_UPSTREAMS=<an origin> START_PATH=… npm start` (issue 13): the stack fronts an origin that is
 * not ours (Python's http.server serving a copy of the sample media) instead of starting the dev
 * packager, and the printed signed URL plays through the edge with the origin answering.
 */
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { cpSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureMedia } from '../../scripts/media/make-media.ts';
import { freePort } from '../../scripts/stack/ports.ts';
import { REPO_ROOT } from '../../scripts/stack/start-stack.ts';
import {
  eventually,
  killGroups,
  playFirstSegment,
  printedEdgeUrls,
  startDevUp,
  type UpDev,
} from '../fixtures/dev-run.ts';
import { ffmpegAvailable, requireInCi } from '../fixtures/tools.ts';

const pythonAvailable = spawnSync('python3', ['--version']).status === 0;
requireInCi(ffmpegAvailable, 'ffmpeg');
requireInCi(pythonAvailable, 'python3');

describe.skipIf(!ffmpegAvailable || !pythonAvailable || process.platform !== 'linux')(
  'npm start fronting SHIELD_UPSTREAMS',
  () => {
    let work = '';
    let origin: ChildProcess | undefined;
    let originLog = '';
    let originUrl = '';
    let dev: UpDev | undefined;
    let output = '';

    beforeAll(async () => {
      const sample = await ensureMedia(resolve(REPO_ROOT, '.media'));
      work = mkdtempSync(join(tmpdir(), 'edgeshield-origin-'));
      cpSync(join(sample.dir, 'vod', 'ts'), join(work, 'vod', 'ts'), { recursive: true });
      const port = await freePort();
      originUrl = `http://127.0.0.1:${port}`;
      origin = spawn(
        'python3',
        ['-m', 'http.server', String(port), '--bind', '127.0.0.1', '--directory', work],
        {
          detached: true,
          stdio: ['ignore', 'pipe', 'pipe'],
        },
      );
      // http.server logs one line per request on stderr.
      origin.stderr?.on('data', (chunk: Buffer) => {
        originLog += chunk.toString('utf8');
      });
      const up = await eventually(async () => {
        const res = await fetch(`${originUrl}/vod/ts/master.m3u8`).catch(() => undefined);
        await res?.arrayBuffer();
        return res?.status === 200;
      }, 30_000);
      if (!up) throw new Error(`python3 -m http.server did not start:\n${originLog}`);
      dev = await startDevUp({ SHIELD_UPSTREAMS: originUrl, START_PATH: '/vod/ts/master.m3u8' });
      output = dev.output;
    });

    afterAll(async () => {
      await dev?.stop();
      if (origin?.pid !== undefined) killGroups([origin.pid]);
      if (work !== '') rmSync(work, { recursive: true, force: true });
    });

    it('starts the shield and the edge only, naming the origin instead of a packager', () => {
      expect(output).toContain(`origin    ${originUrl}   (SHIELD_UPSTREAMS; no dev packager)`);
      expect(output).not.toContain('[packager]');
      expect(dev?.groups.size).toBe(4); // shield, rtc, wrangler and the edge front; no packager
    });

    it('prints a signed URL for START_PATH that plays through the edge from that origin', async () => {
      const edgeUrl = printedEdgeUrls(output).get('/vod/ts/master.m3u8');
      expect(edgeUrl).toMatch(/\/~t\/[^/]+\/vod\/ts\/master\.m3u8$/);
      const played = await playFirstSegment(edgeUrl ?? '');
      expect(played.fetched.map((f) => f.status)).toEqual([200, 200, 200]);
      expect(originLog).toMatch(/"GET \/vod\/ts\/360p\/seg_00000\.ts HTTP\/1\.1" 200/);
    });

    it('without START_PATH prints how to sign a path instead of a URL', async () => {
      const bare = await startDevUp({ SHIELD_UPSTREAMS: originUrl });
      try {
        expect(bare.output).toContain('no START_PATH given: sign a path on your origin with');
        expect(bare.output).toMatch(/EDGE_PORT=\d+ npm run sign -- \/path\/to\/master\.m3u8 --in path/);
        expect(printedEdgeUrls(bare.output).size).toBe(0);
      } finally {
        expect(await bare.stop()).toBe(0);
      }
    });
  },
);
