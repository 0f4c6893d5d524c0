/**
 * `npm run bench -- <scenario> --target <edge>` as an operator meets it (issue 13), as a real process
 * against a token-gated stand-in edge on a real socket: without keys the bench stops after one probe
 * request with exit 104 and a message saying how to sign; with `--sign-keys` every viewer request
 * carries a JWT that verifies against those keys' public half. Runs are one second; no timings.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { importJWK, type JWK, jwtVerify } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EXIT_TARGET_REFUSED } from '../../bench/exit-code.ts';
import { BENCH_MEDIA_ROOT, isBenchMediaRoot, linkCatalogue } from '../../bench/local-stack.ts';
import { ensureDevKeys } from '../../scripts/sign/dev-keys.ts';
import { REPO_ROOT } from '../../scripts/stack/start-stack.ts';
import { type LocalServer, startLocalServer } from '../fixtures/local-server.ts';

/** Runs `node bench/cli.ts …` without blocking this process (the stand-in edge lives here). */
function benchCli(args: readonly string[]): Promise<{ code: number | null; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['bench/cli.ts', ...args], {
      cwd: REPO_ROOT,
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let stderr = '';
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
      stderr += chunk;
    });
    const timer = setTimeout(() => child.kill('SIGKILL'), 60_000);
    child.once('error', reject);
    child.once('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stderr });
    });
  });
}

describe('bench --target against a token-gated edge', () => {
  const dir = mkdtempSync(join(tmpdir(), 'edgeshield-bench-target-'));
  const tokens: (string | null)[] = [];
  let server: LocalServer | undefined;
  let edge = '';
  beforeAll(async () => {
    // The edge's auth contract: 401 with a JSON code when no token is presented, before any routing.
    server = await startLocalServer((req, res) => {
      const token = new URL(req.url ?? '/', 'http://x').searchParams.get('token');
      tokens.push(token);
      if (token === null) {
        res.writeHead(401, { 'content-type': 'application/json', 'x-cache': 'BYPASS' });
        res.end('{"code":"EDGE_ERR_UNAUTHORIZED"}');
        return;
      }
      res.writeHead(404, { 'content-type': 'application/json', 'x-cache': 'BYPASS' });
      res.end('{"code":"EDGE_ERR_NOT_FOUND"}');
    });
    edge = server.url;
  });
  afterAll(async () => {
    await server?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const common = (out: string) => [
    'vod-zipf',
    '--target',
    edge,
    '--duration',
    '1s',
    '--vus',
    '1',
    '--out',
    join(dir, out),
  ];

  it('stops after one unsigned probe with exit 104 and says how to sign', async () => {
    tokens.length = 0;
    const run = await benchCli(common('unsigned'));
    expect(run.code).toBe(EXIT_TARGET_REFUSED);
    expect(run.stderr).toContain(`the edge at ${edge} requires viewer tokens`);
    expect(run.stderr).toContain('--sign-keys');
    expect(run.stderr).not.toMatch(/\n\s+at /); // no stack trace for an operator's mistake
    expect(tokens).toEqual([null]);
  });

  it('signs every viewer request with the keys given by --sign-keys', async () => {
    tokens.length = 0;
    const keysDir = join(dir, 'keys');
    const keys = await ensureDevKeys(keysDir);
    const run = await benchCli([...common('signed'), '--sign-keys', keysDir]);
    expect(run.stderr).not.toContain('requires viewer tokens');
    expect(tokens.length).toBeGreaterThan(1);
    const jwks = JSON.parse(keys.edgeVars.AUTH_JWKS) as { keys: JWK[] };
    const publicKey = await importJWK(jwks.keys[0] ?? {}, 'ES256');
    for (const token of tokens) {
      expect(token).not.toBeNull();
      await expect(jwtVerify(token ?? '', publicKey)).resolves.toBeTruthy();
    }
  });

  it('refuses a --sign-keys directory without keys (exit 1), never making new ones', async () => {
    const run = await benchCli([...common('nokeys'), '--sign-keys', join(dir, 'empty')]);
    expect(run.code).toBe(1);
    expect(run.stderr).toContain('--sign-keys: no dev-keys.json');
    expect(existsSync(join(dir, 'empty'))).toBe(false);
  });
});

describe('catalogue links', () => {
  it("are refused in any media root but the bench's own temporary one", () => {
    const operatorRoot = mkdtempSync(join(tmpdir(), 'edgeshield-operator-media-'));
    try {
      mkdirSync(join(operatorRoot, 'vod', 'ts'), { recursive: true });
      writeFileSync(join(operatorRoot, 'keep.txt'), 'mine');
      expect(() => linkCatalogue(operatorRoot, 3)).toThrow(/not the bench's media root/);
      expect(readdirSync(operatorRoot).sort()).toEqual(['keep.txt', 'vod']);
      expect(isBenchMediaRoot(BENCH_MEDIA_ROOT)).toBe(true);
      expect(BENCH_MEDIA_ROOT.startsWith(tmpdir())).toBe(true);
    } finally {
      rmSync(operatorRoot, { recursive: true, force: true });
    }
  });
});
