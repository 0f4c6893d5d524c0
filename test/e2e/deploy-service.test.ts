/**
 * The shield's systemd unit, env file template and container health probe (origin/deploy/) against the
 * shield they run: entry and paths, the Node version gate, exit-code and stop handling, the keys the
 * template sets, and the probe over HTTPS and mTLS with a throwaway certificate. What this cannot do:
 * run systemd itself (README "What CI verifies"); `systemd-analyze verify` runs where installed.
 */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseShieldConfig, SHIELD_DEFAULTS } from '../../origin/config.ts';
import { LISTENER_DEFAULTS } from '../../origin/config-listener.ts';
import { TIER_DEFAULTS } from '../../origin/config-tiers.ts';
import { freePort } from '../../scripts/stack/ports.ts';
import { DEPLOY, pkg, REPO_ROOT, sampleEnv, startShieldProcess, unit } from '../fixtures/deploy.ts';
import { hasCommand } from '../fixtures/tools.ts';

describe('origin/deploy/edgeshield-shield.service', () => {
  const u = unit();

  it("runs the built shield entry from its WorkingDirectory with the env file template's name", () => {
    const [node, script = ''] = (u.ExecStart ?? '').split(/\s+/);
    expect(node).toMatch(/\/node$/);
    expect(u.WorkingDirectory).toBe('/opt/edgeshield');
    // The entry `npm run build:shield` emits (test/shield/build.test.ts runs that build), from this source.
    expect(script).toBe('dist/shield/origin/main.js');
    const source = script.replace(/^dist\/shield\//, '').replace(/\.js$/, '.ts');
    expect(existsSync(path.join(REPO_ROOT, source))).toBe(true);
    expect(path.basename(u.EnvironmentFile ?? '')).toBe('shield.env');
    expect(u.User).not.toBe('root');
  });

  it('refuses a Node older than package.json engines before starting, and passes this one', () => {
    const [node, flag, script = ''] = (u.ExecStartPre ?? '').match(/^(\S+) (-e) "(.*)"$/)?.slice(1) ?? [];
    expect(node).toMatch(/\/node$/);
    expect(flag).toBe('-e');
    expect(pkg.engines.node).toBe('>=22.18');
    const run = (version: string) =>
      spawnSync(process.execPath, ['-e', script.replace('process.versions.node', JSON.stringify(version))], {
        encoding: 'utf8',
      });
    expect(run(process.versions.node).status).toBe(0);
    expect(run('22.18.0').status).toBe(0);
    expect(run('23.0.0').status).toBe(0);
    const old = run('22.17.1');
    expect(old.status).toBe(2);
    expect(old.stderr).toContain('needs Node >= 22.18');
    expect(run('20.19.0').status).toBe(2);
  });

  it("does not restart on the shield's configuration exit code, and waits longer than the shutdown grace", () => {
    const bad = spawnSync(process.execPath, [path.join(REPO_ROOT, 'origin', 'main.ts')], {
      env: { PATH: process.env.PATH ?? '', SHIELD_PORT: 'abc' },
      encoding: 'utf8',
      timeout: 30_000,
    });
    expect(String(bad.status)).toBe(u.RestartPreventExitStatus);
    expect(Number(u.TimeoutStopSec) * 1000).toBeGreaterThan(Number(SHIELD_DEFAULTS.SHIELD_SHUTDOWN_GRACE_MS));
    // SIGTERM to the main process only, as `docker stop` does (the Dockerfile test stops it that way):
    // with SHIELD_WORKERS > 1 the primary stops its workers.
    expect(u.KillSignal).toBe('SIGTERM');
    expect(u.KillMode).toBe('mixed');
    // `systemctl reload` is the shield's certificate reload.
    expect(u.ExecReload).toBe('/bin/kill -HUP $MAINPID');
  });

  it('gives the service the cache directory the env template puts the disk tier in', () => {
    expect(`/var/cache/${u.CacheDirectory}`).toBe(sampleEnv().SHIELD_DISK_DIR);
  });

  it.runIf(hasCommand('systemd-analyze'))('passes systemd-analyze verify', () => {
    const r = spawnSync('systemd-analyze', ['verify', path.join(DEPLOY, 'edgeshield-shield.service')], {
      encoding: 'utf8',
      timeout: 30_000,
    });
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
  });
});

describe('origin/deploy/shield.env', () => {
  it('sets only keys the shield reads, and the shield accepts it', () => {
    const known = new Set([
      ...Object.keys(SHIELD_DEFAULTS),
      ...Object.keys(TIER_DEFAULTS),
      ...Object.keys(LISTENER_DEFAULTS),
      // Keys without a default (unset = off).
      'SHIELD_SHARED_SECRET',
      'SHIELD_DISK_DIR',
      'SHIELD_TLS_CERT',
      'SHIELD_TLS_KEY',
      'SHIELD_TLS_CLIENT_CA',
    ]);
    const env = sampleEnv();
    for (const key of Object.keys(env)) expect(known.has(key), `${key} is not a shield setting`).toBe(true);
    const parsed = parseShieldConfig(env);
    expect(parsed.ok ? [] : parsed.error).toEqual([]);
  });
});

describe('origin/deploy/healthcheck.ts against a shield with TLS (throwaway certificate)', () => {
  const HEALTHCHECK = path.join(DEPLOY, 'healthcheck.ts');
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'edgeshield-probe-'));
    const r = spawnSync(
      'openssl',
      ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-days', '1'].concat(
        [
          '-subj',
          '/CN=shield.example.com',
          '-keyout',
          path.join(dir, 'key.pem'),
          '-out',
          path.join(dir, 'cert.pem'),
        ],
      ),
      { encoding: 'utf8', timeout: 30_000 },
    );
    expect(r.status, r.stderr).toBe(0);
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  /** The shield's and the probe's environment: one process, TLS on, the given extra keys. */
  const tlsEnv = (port: number, extra: Record<string, string>) => ({
    PATH: process.env.PATH ?? '',
    SHIELD_AUTH: 'off',
    SHIELD_HOST: '127.0.0.1',
    SHIELD_PORT: String(port),
    SHIELD_WORKERS: '1',
    SHIELD_UPSTREAMS: 'http://127.0.0.1:9',
    SHIELD_TLS_CERT: path.join(dir, 'cert.pem'),
    SHIELD_TLS_KEY: path.join(dir, 'key.pem'),
    ...extra,
  });
  const probe = (env: Record<string, string>) =>
    new Promise<number | null>((resolve) => {
      spawn(process.execPath, [HEALTHCHECK], { env, stdio: 'ignore' }).on('exit', (code) => resolve(code));
    });

  const cases = [
    ['HTTPS: GETs /healthz without checking the certificate', false],
    // Without a client certificate the probe cannot speak HTTP: it checks the listener accepts connections.
    ['mTLS (SHIELD_TLS_CLIENT_CA): checks that the listener accepts connections', true],
  ] as const;
  for (const [mode, clientCa] of cases) {
    it(`${mode}; unhealthy once the shield is stopped`, async () => {
      const env = tlsEnv(
        await freePort(),
        clientCa ? { SHIELD_TLS_CLIENT_CA: path.join(dir, 'cert.pem') } : {},
      );
      const main = [process.execPath, path.join(REPO_ROOT, 'origin', 'main.ts')];
      const shield = await startShieldProcess(main, REPO_ROOT, env);
      try {
        expect(await probe(env)).toBe(0);
        shield.child.kill('SIGTERM');
        expect(await shield.exited, shield.output()).toBe(0);
        expect(await probe(env)).toBe(1);
      } finally {
        shield.kill();
      }
    });
  }
});
