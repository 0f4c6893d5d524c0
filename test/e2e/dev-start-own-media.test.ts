/**
 * `PACKAGER_ROOT=<the operator's HLS folder> npm start` (issue 13): the folder, which has a top-level
 * `vod/` like the one whose contents were once replaced by sample media, is served as is and left
 * byte-identical; the printed signed URLs play through the edge; edge settings from the environment
 * reach the Worker; and no process's command line carries the shield secret or a signing key.
 */
import { createHash } from 'node:crypto';
import { cpSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureMedia } from '../../scripts/media/make-media.ts';
import { REPO_ROOT } from '../../scripts/stack/start-stack.ts';
import {
  playFirstSegment,
  printedEdgeUrls,
  processTable,
  startDevUp,
  type UpDev,
} from '../fixtures/dev-run.ts';
import { ffmpegAvailable, requireInCi } from '../fixtures/tools.ts';

requireInCi(ffmpegAvailable, 'ffmpeg');

/** sha256 of every file under `dir` (dot-files included), by relative path. */
function hashTree(dir: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const entry of readdirSync(dir, { recursive: true, withFileTypes: true })) {
    if (!entry.isFile()) continue;
    const file = join(entry.parentPath, entry.name);
    out.set(relative(dir, file), createHash('sha256').update(readFileSync(file)).digest('hex'));
  }
  return out;
}

describe.skipIf(!ffmpegAvailable || process.platform !== 'linux')(
  'npm start with PACKAGER_ROOT holding the operator’s HLS',
  () => {
    let work = '';
    let root = '';
    let before = new Map<string, string>();
    let dev: UpDev | undefined;
    let output = '';

    beforeAll(async () => {
      const sample = await ensureMedia(resolve(REPO_ROOT, '.media'));
      work = mkdtempSync(join(tmpdir(), 'edgeshield-own-media-'));
      root = join(work, 'my hls');
      // Two titles with masters, one stand-alone rendition, and a file that is not media at all.
      cpSync(join(sample.dir, 'vod', 'ts'), join(root, 'vod', 'ts'), { recursive: true });
      cpSync(join(sample.dir, 'vod', 'fmp4'), join(root, 'vod', 'fmp4'), { recursive: true });
      cpSync(join(sample.dir, 'vod', 'ts', '360p'), join(root, 'clips', '360p'), { recursive: true });
      writeFileSync(join(root, 'keep.txt'), 'the operator’s notes\n');
      before = hashTree(root);
      dev = await startDevUp({
        PACKAGER_ROOT: root,
        // Must reach the Worker literally: no dotenv expansion of `$HOME`, a quote inside kept.
        CMSD_NODE: "own-media $HOME it's",
      });
      output = dev.output;
    });

    afterAll(async () => {
      await dev?.stop();
      if (work !== '') rmSync(work, { recursive: true, force: true });
    });

    it('prints signed URLs for the masters, then for media playlists no master refers to', () => {
      expect(output).toContain(`(your files, served as is; 3 playlists to play)`);
      expect([...printedEdgeUrls(output).keys()]).toEqual([
        '/vod/fmp4/master.m3u8',
        '/vod/ts/master.m3u8',
        '/clips/360p/index.m3u8',
      ]);
    });

    it('a printed URL plays through the edge: master → media playlist → segment, each 200', async () => {
      const master = printedEdgeUrls(output).get('/vod/ts/master.m3u8') ?? '';
      expect(master).toMatch(/\/~t\/[^/]+\/vod\/ts\/master\.m3u8$/);
      const played = await playFirstSegment(master);
      expect(played.fetched.map((f) => f.status)).toEqual([200, 200, 200]);
      expect(played.fetched[2]?.url).toMatch(/\/vod\/ts\/360p\/seg_00000\.ts$/);
      expect(played.segment.equals(readFileSync(join(root, 'vod', 'ts', '360p', 'seg_00000.ts')))).toBe(true);
    });

    it('a printed stand-alone media playlist plays through the edge', async () => {
      const played = await playFirstSegment(printedEdgeUrls(output).get('/clips/360p/index.m3u8') ?? '');
      expect(played.fetched.map((f) => f.status)).toEqual([200, 200]);
    });

    it('passes edge settings from the environment to the Worker, values kept literally', async () => {
      expect(output).toMatch(/edge settings passed: .*CMSD_NODE/);
      const res = await fetch(printedEdgeUrls(output).get('/vod/ts/master.m3u8') ?? '');
      await res.arrayBuffer();
      expect(res.headers.get('cmsd-dynamic')).toMatch(/^"own-media \$HOME it's"/);
    });

    it('prints where the shield secret is saved, and no command line holds it or a signing key', () => {
      expect(output).toContain('shield secret   saved in .dev-keys/shield-secret');
      const secret = readFileSync(join(REPO_ROOT, '.dev-keys', 'shield-secret'), 'utf8').trim();
      const keys = JSON.parse(readFileSync(join(REPO_ROOT, '.dev-keys', 'dev-keys.json'), 'utf8')) as {
        jwtPrivate: { d: string };
        edgeauthKey: string;
        securelinkSecret: string;
      };
      const secrets = [secret, keys.jwtPrivate.d, keys.edgeauthKey, keys.securelinkSecret];
      expect(secrets.every((s) => s.length >= 16)).toBe(true);
      const table = processTable();
      expect(table.some((p) => p.cmdline.includes('wrangler') && p.cmdline.includes('--env-file'))).toBe(
        true,
      );
      const leaks = table.filter((p) => secrets.some((s) => p.cmdline.includes(s)));
      expect(leaks.map((p) => `${p.pid} ${p.cmdline.slice(0, 120)}`)).toEqual([]);
    });

    it('leaves every file of the folder byte-identical and adds none, through SIGTERM', async () => {
      if (!dev) throw new Error('dev.ts did not start');
      expect(await dev.stop()).toBe(0);
      expect(hashTree(root)).toEqual(before);
      expect(readdirSync(work)).toEqual(['my hls']);
    });
  },
);
