/**
 * wrangler.toml is real: `wrangler deploy --dry-run` (what `npm run build:edge` runs) accepts it,
 * resolves every binding and writes the Worker bundle, without deploying or talking to Cloudflare.
 */
import { execFile } from 'node:child_process';
import { mkdtemp, rm, stat } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const REPO_ROOT = resolve(fileURLToPath(new URL('../..', import.meta.url)));

/** wrangler's CLI entry (its exports map hides bin/; its package.json sits next to it). */
function wranglerBin(): string {
  return join(dirname(createRequire(import.meta.url).resolve('wrangler/package.json')), 'bin', 'wrangler.js');
}

interface Run {
  readonly code: number | null;
  readonly output: string;
}

function dryRun(outdir: string): Promise<Run> {
  return new Promise((resolveRun) => {
    execFile(
      process.execPath,
      [wranglerBin(), 'deploy', '--dry-run', '--outdir', outdir],
      {
        cwd: REPO_ROOT,
        // Offline and quiet: no telemetry, no request.cf fetch from Cloudflare.
        env: { ...process.env, WRANGLER_SEND_METRICS: 'false', CLOUDFLARE_CF_FETCH_ENABLED: 'false' },
        timeout: 120_000,
        maxBuffer: 16 * 1024 * 1024,
      },
      (error, stdout, stderr) => {
        const code = error === null ? 0 : typeof error.code === 'number' ? error.code : null;
        resolveRun({ code, output: `${stdout}\n${stderr}` });
      },
    );
  });
}

describe('wrangler deploy --dry-run', () => {
  let outdir: string;
  let run: Run;
  beforeAll(async () => {
    outdir = await mkdtemp(join(tmpdir(), 'edgeshield-build-edge-'));
    run = await dryRun(outdir);
  });
  afterAll(async () => {
    await rm(outdir, { recursive: true, force: true });
  });

  it('accepts wrangler.toml and exits 0', () => {
    expect(run.code, run.output).toBe(0);
  });

  it('writes the Worker bundle to --outdir', async () => {
    const bundle = await stat(join(outdir, 'index.js'));
    expect(bundle.isFile()).toBe(true);
    expect(bundle.size).toBeGreaterThan(0);
  });
});
