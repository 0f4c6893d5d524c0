/**
 * The media maker and dev packager as commands: exit codes, the install hint without ffmpeg, a bad
 * key named, serving from PACKAGER_ROOT and a clean SIGTERM. No media needed.
 */
import { spawn, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

const REPO_ROOT = path.resolve(import.meta.dirname, '..', '..');

describe('CLIs', () => {
  it('media maker exits 2 without ffmpeg and tells the user how to install ffmpeg', () => {
    const emptyBin = mkdtempSync(path.join(tmpdir(), 'edgeshield-nobin-'));
    try {
      const run = spawnSync(
        process.execPath,
        ['scripts/media/main.ts', '--out', path.join(emptyBin, 'media')],
        { cwd: REPO_ROOT, env: { ...process.env, PATH: emptyBin }, encoding: 'utf8', timeout: 30_000 },
      );
      expect(run.status).toBe(2);
      expect(run.stderr).toContain('PACKAGER_ERR_FFMPEG_MISSING');
      expect(run.stderr).toContain('apt-get install -y --no-install-recommends ffmpeg');
      expect(run.stderr).toContain('brew install ffmpeg');
    } finally {
      rmSync(emptyBin, { recursive: true, force: true });
    }
  });

  it('packager refuses to start on bad configuration and names the bad key', () => {
    const run = spawnSync(process.execPath, ['scripts/packager/main.ts'], {
      cwd: REPO_ROOT,
      env: { ...process.env, PACKAGER_PORT: 'eighty', PACKAGER_ROOT: tmpdir() },
      encoding: 'utf8',
      timeout: 30_000,
    });
    expect(run.status).toBe(78);
    expect(run.stderr).toContain('PACKAGER_PORT: expected an integer from 0 to 65535, got "eighty"');
  });

  it('packager serves from PACKAGER_ROOT and exits 0 on SIGTERM', async () => {
    const work = mkdtempSync(path.join(tmpdir(), 'edgeshield-cli-'));
    mkdirSync(path.join(work, 'vod', 'ts'), { recursive: true });
    writeFileSync(path.join(work, 'vod', 'ts', 'master.m3u8'), '#EXTM3U\n');
    const child = spawn(process.execPath, ['scripts/packager/main.ts'], {
      cwd: REPO_ROOT,
      env: { ...process.env, PACKAGER_PORT: '0', PACKAGER_ROOT: work },
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    try {
      const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
      const url = await new Promise<string>((resolve, reject) => {
        let out = '';
        child.stdout.on('data', (c: Buffer) => {
          out += c.toString();
          const m = /listening on (http:\/\/\S+)/.exec(out);
          if (m?.[1] !== undefined) resolve(m[1]);
        });
        child.on('exit', () => reject(new Error(`packager exited early: ${out}`)));
      });
      expect(await (await fetch(`${url}/vod/ts/master.m3u8`)).text()).toBe('#EXTM3U\n');
      child.kill('SIGTERM');
      expect(await exited).toBe(0);
    } finally {
      if (child.exitCode === null) child.kill('SIGKILL');
      rmSync(work, { recursive: true, force: true });
    }
  });
});
