/**
 * `npm run build:shield` (scripts/build/shield.ts): the build production runs (Dockerfile, systemd
 * unit, `npm run bench:shield`). The test builds into its own directory under dist/ (never a stale
 * dist/shield) and runs the output as a real two-worker host with Node's type stripping turned off,
 * so a `.ts` import left anywhere in the shield, the primary or a forked worker fails to start.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type CountingUpstream, startCountingUpstream } from '../fixtures/counting-upstream.ts';
import { IMMUTABLE, send } from './helpers.ts';
import { killAll, type ShieldProcess, startShieldProcess } from './process.ts';

const REPO_ROOT = path.resolve(import.meta.dirname, '..', '..');
const SECRET = 'edge-secret';
const AUTH = { 'x-edgeshield-auth': SECRET };

/** Every file under `dir`, relative to it. */
function files(dir: string): string[] {
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile())
    .map((e) => path.relative(dir, path.join(e.parentPath, e.name)));
}

describe('npm run build:shield', () => {
  let out: string;
  let build: ReturnType<typeof spawnSync>;

  beforeAll(() => {
    mkdirSync(path.join(REPO_ROOT, 'dist'), { recursive: true });
    // Inside the checkout: the output resolves undici, pino and prom-client from its node_modules and
    // is an ES module through its package.json, as dist/shield is.
    out = mkdtempSync(path.join(REPO_ROOT, 'dist', 'test-build-'));
    build = spawnSync(process.execPath, [path.join(REPO_ROOT, 'scripts/build/shield.ts'), '--out', out], {
      cwd: REPO_ROOT,
      encoding: 'utf8',
      timeout: 120_000,
    });
  }, 150_000);
  afterAll(() => rmSync(out, { recursive: true, force: true }));

  it('emits JavaScript only, and every relative import of the entry resolves to an emitted .js file', () => {
    expect(build.status, String(build.stderr)).toBe(0);
    const emitted = files(out);
    expect(emitted.filter((f) => !f.endsWith('.js'))).toEqual([]);
    const seen = new Set<string>();
    const visit = (file: string) => {
      if (seen.has(file)) return;
      seen.add(file);
      expect(existsSync(file), file).toBe(true);
      const text = readFileSync(file, 'utf8');
      const specs = [
        ...text.matchAll(/^\s*(?:import|export)\b[^'"]*?from\s+["']([^'"]+)["']/gm),
        ...text.matchAll(/\bimport\(\s*["']([^'"]+)["']\s*\)/g),
      ];
      for (const [, spec] of specs) {
        if (spec === undefined || !spec.startsWith('.')) continue;
        expect(spec, `${file} imports ${spec}`).toMatch(/\.js$/);
        visit(path.resolve(path.dirname(file), spec));
      }
    };
    visit(path.join(out, 'origin', 'main.js'));
    visit(path.join(out, 'origin', 'deploy', 'healthcheck.js'));
    // The cluster roles and the server are reached through main.js's dynamic imports.
    for (const role of ['server.js', 'cluster/primary.js', 'cluster/worker-link.js'])
      expect(seen.has(path.join(out, 'origin', role)), role).toBe(true);
    expect([...seen].some((f) => f.startsWith(path.join(out, 'src', 'core') + path.sep))).toBe(true);
  });

  describe('the built shield with two workers and type stripping off', () => {
    let upstream: CountingUpstream;
    let host: ShieldProcess & { url: string };

    beforeAll(async () => {
      upstream = await startCountingUpstream();
      host = await startShieldProcess(
        {
          SHIELD_PORT: '0',
          SHIELD_WORKERS: '2',
          SHIELD_UPSTREAMS: upstream.url,
          SHIELD_SHARED_SECRET: SECRET,
        },
        { main: path.join(out, 'origin', 'main.js'), execArgv: ['--no-experimental-strip-types'] },
      );
    }, 60_000);
    afterAll(async () => {
      killAll();
      await upstream.close();
    });

    it('asks the packager once and serves the next requests, on fresh connections, as hits', async () => {
      const body = Buffer.from('built shield segment '.repeat(100));
      upstream.route('/vod/built/seg1.ts', { body, headers: IMMUTABLE });
      const first = await send(host.url, '/vod/built/seg1.ts', { headers: AUTH });
      expect(first.status).toBe(200);
      expect(first.body.equals(body)).toBe(true);
      // Connections go to the workers in turn: several reach both. One after another, so none joins
      // another's fill (that one would answer COALESCED).
      for (let i = 0; i < 6; i++) {
        const res = await send(host.url, '/vod/built/seg1.ts', { headers: AUTH });
        expect(res.status).toBe(200);
        expect(res.body.equals(body)).toBe(true);
        expect(res.header('x-cache')).toMatch(/^HIT/);
      }
      expect(upstream.count('/vod/built/seg1.ts')).toBe(1);
    });

    it('runs both workers (the primary forks main.js with the same flags)', async () => {
      const metrics = (await send(host.url, '/metrics', { headers: AUTH })).body.toString('utf8');
      expect(metrics).toMatch(/^shield_workers 2$/m);
    });
  });
});
