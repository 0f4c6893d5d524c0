/**
 * `npm run bench:shield` as an operator first meets it: `--help` prints the usage and exits 0, and a
 * mistyped option names itself with the usage and exits 64 (never a stack). Runs no benchmark.
 */
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../../scripts/stack/start-stack.ts';

const benchShield = (...args: string[]) =>
  spawnSync(process.execPath, [join(REPO_ROOT, 'bench/shield/main.ts'), ...args], {
    encoding: 'utf8',
    timeout: 30_000,
  });

describe('npm run bench:shield usage', () => {
  it('prints its usage and exit codes for --help and exits 0', () => {
    const r = benchShield('--help');
    expect(r.status).toBe(0);
    expect(r.stdout).toContain('usage: npm run bench:shield');
    expect(r.stdout).toContain('99 a goal missed');
  });

  it('names a mistyped option, prints the usage and exits 64 without a stack', () => {
    const r = benchShield('--rounds', '1', '--conections', '8');
    expect(r.status).toBe(64);
    expect(r.stderr).toContain("Unknown option '--conections'");
    expect(r.stderr).toContain('usage: npm run bench:shield');
    expect(r.stderr).not.toMatch(/\n\s+at /);
  });
});
