/**
 * Our CLIs as an operator first meets them: `--help` prints the usage and exits 0, and a mistyped
 * option or unknown scenario names itself with the usage and exits 64 (never a stack). Runs no
 * benchmark and no build.
 */
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../../scripts/stack/start-stack.ts';

const run = (script: string, ...args: string[]) =>
  spawnSync(process.execPath, [join(REPO_ROOT, script), ...args], { encoding: 'utf8', timeout: 30_000 });

function expectUsageError(r: ReturnType<typeof run>, named: string, usage: string): void {
  expect(r.status).toBe(64);
  expect(r.stderr).toContain(named);
  expect(r.stderr).toContain(usage);
  expect(r.stderr).not.toMatch(/\n\s+at /);
}

describe('npm run bench:shield usage', () => {
  it('prints its usage and exit codes for --help and exits 0', () => {
    const r = run('bench/shield/main.ts', '--help');
    expect(r.status).toBe(0);
    expect(r.stdout).toContain('usage: npm run bench:shield');
    expect(r.stdout).toContain('99 a goal missed');
  });

  it('names a mistyped option, prints the usage and exits 64 without a stack', () => {
    const r = run('bench/shield/main.ts', '--rounds', '1', '--conections', '8');
    expectUsageError(r, "Unknown option '--conections'", 'usage: npm run bench:shield');
  });
});

describe('npm run bench usage', () => {
  it('names a mistyped option, prints the usage and exits 64 without a stack', () => {
    const r = run('bench/cli.ts', 'vod-zipf', '--duraton', '5s');
    expectUsageError(r, "Unknown option '--duraton'", 'usage: npm run bench --');
  });

  it('names an unknown scenario with the known ones and exits 64', () => {
    const r = run('bench/cli.ts', 'vod-zip');
    expectUsageError(r, 'unknown scenario "vod-zip"; known: ', 'usage: npm run bench --');
  });
});

describe('npm run build:shield usage', () => {
  it('names a mistyped option and exits 64 without touching dist/', () => {
    const r = run('scripts/build/shield.ts', '--outdir', '/tmp/x');
    expectUsageError(r, "Unknown option '--outdir'", 'usage: npm run build:shield');
  });
});
