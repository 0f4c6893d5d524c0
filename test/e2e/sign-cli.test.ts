/**
 * The signing CLI as users run it (`npm run sign` = node scripts/sign/main.ts, a real process): a
 * negative --ttl works whether its value is joined with "=" or passed as the next argument. No stack
 * is needed: the CLI only prints a URL, whose token claims are read back here.
 */
import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { joinNumericValues } from '../../scripts/sign/args.ts';
import { REPO_ROOT } from '../../scripts/stack/start-stack.ts';

const EDGE_URL = 'http://127.0.0.1:9';

function signCli(...args: string[]): { status: number | null; stdout: string; stderr: string } {
  return signCliWith({ EDGE_URL }, ...args);
}

function signCliWith(
  env: Record<string, string | undefined>,
  ...args: string[]
): { status: number | null; stdout: string; stderr: string } {
  const run = spawnSync(process.execPath, ['scripts/sign/main.ts', ...args], {
    cwd: REPO_ROOT,
    encoding: 'utf8',
    env: { ...process.env, ...env },
    timeout: 30_000,
  });
  return { status: run.status, stdout: run.stdout.trim(), stderr: run.stderr };
}

/** The `exp - iat` of the JWT in a printed query-form URL. */
function lifetimeOf(url: string): number {
  const token = new URL(url).searchParams.get('token') ?? '';
  const payload = JSON.parse(Buffer.from(token.split('.')[1] ?? '', 'base64url').toString('utf8')) as {
    iat: number;
    exp: number;
  };
  return payload.exp - payload.iat;
}

describe('npm run sign --ttl', () => {
  it('accepts a negative --ttl given as a separate argument and signs an already expired token', () => {
    const run = signCli('/vod/ts/master.m3u8', '--ttl', '-60');
    expect(run.stderr).not.toContain('ambiguous');
    expect(run.status).toBe(0);
    expect(run.stdout.startsWith(`${EDGE_URL}/vod/ts/master.m3u8?token=`)).toBe(true);
    expect(lifetimeOf(run.stdout)).toBe(-60);
  });

  it('signs the same lifetime for --ttl=-60 and for a positive --ttl 600', () => {
    const joined = signCli('/vod/ts/master.m3u8', '--ttl=-60');
    const positive = signCli('/vod/ts/master.m3u8', '--ttl', '600');
    expect([joined.status, positive.status]).toEqual([0, 0]);
    expect(lifetimeOf(joined.stdout)).toBe(-60);
    expect(lifetimeOf(positive.stdout)).toBe(600);
  });

  it('joins only numeric values after the named flags and stops at --', () => {
    expect(joinNumericValues(['/x', '--ttl', '-60', '--sub', '-7'], ['ttl'])).toEqual([
      '/x',
      '--ttl=-60',
      '--sub',
      '-7',
    ]);
    expect(joinNumericValues(['--ttl', '-h'], ['ttl'])).toEqual(['--ttl', '-h']);
    expect(joinNumericValues(['--', '--ttl', '-60'], ['ttl'])).toEqual(['--', '--ttl', '-60']);
  });
});

describe('npm run sign edge address', () => {
  it('signs for the edge on EDGE_PORT when EDGE_URL is not set, like npm start', () => {
    const run = signCliWith({ EDGE_URL: undefined, EDGE_PORT: '18999' }, '/vod/ts/master.m3u8');
    expect(run.status, run.stderr).toBe(0);
    expect(run.stdout.startsWith('http://127.0.0.1:18999/vod/ts/master.m3u8?token=')).toBe(true);
  });
});
