/**
 * `npm start` refusing bad input at once, before any service starts (issue 13): bad edge settings are
 * listed with the edge's own parser (no health-check timeout), a folder that is neither sample media
 * nor HLS is left untouched, and conflicting keys are named. Each run is a real dev.ts process.
 */
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parseDevConfig } from '../../scripts/dev-config.ts';
import { EdgeConfigError, readEnvFile } from '../../scripts/stack/edge-env.ts';
import { configErrorJudge } from '../../scripts/stack/edge-process.ts';
import { freePort } from '../../scripts/stack/ports.ts';
import { spawnService, waitForHttp } from '../../scripts/stack/processes.ts';
import { formatConfigIssue } from '../../src/core/config/issue.ts';
import { devPortsEnv, spawnDev, withTimeout } from '../fixtures/dev-run.ts';

const EXIT_MS = 60_000;

describe('npm start refuses bad input before starting anything', () => {
  const work = mkdtempSync(join(tmpdir(), 'edgeshield-start-config-'));
  afterAll(() => rmSync(work, { recursive: true, force: true }));

  it('exits 2 listing every bad edge setting, without starting a service', async () => {
    const run = spawnDev({
      ...(await devPortsEnv()),
      GEO_RULES: 'not json',
      CORS_ORIGINS: 'player.example',
    });
    expect(await withTimeout(run.exited, EXIT_MS, 'dev.ts exit')).toBe(2);
    const out = run.output();
    expect(out).toContain('edge config: refusing to start the edge, bad settings:');
    expect(out).toContain('  GEO_RULES: expected a JSON array of rules, got "not json"');
    expect(out).toMatch(/ {2}CORS_ORIGINS\[0\]: expected .*got "player\.example"/);
    expect(out).not.toMatch(/\[(packager|shield|edge)\]/);
  });

  it('leaves a PACKAGER_ROOT with no playlists untouched and exits 2 naming it', async () => {
    const root = join(work, 'notes');
    rmSync(root, { recursive: true, force: true });
    const vod = join(root, 'vod');
    // A top-level vod/ with no playlist in it, and an unrelated file.
    mkdirSync(vod, { recursive: true });
    writeFileSync(join(root, 'keep.txt'), 'mine');
    const run = spawnDev({ ...(await devPortsEnv()), PACKAGER_ROOT: root });
    expect(await withTimeout(run.exited, EXIT_MS, 'dev.ts exit')).toBe(2);
    expect(run.output()).toContain(`PACKAGER_ROOT: expected HLS playlists (.m3u8) under ${root}, found none`);
    expect(readdirSync(root).sort()).toEqual(['keep.txt', 'vod']);
    expect(readdirSync(vod)).toEqual([]);
    expect(readFileSync(join(root, 'keep.txt'), 'utf8')).toBe('mine');
  });

  it('exits 2 when PACKAGER_ROOT and SHIELD_UPSTREAMS are both given, or an upstream is not a URL', async () => {
    const run = spawnDev({
      ...(await devPortsEnv()),
      PACKAGER_ROOT: work,
      SHIELD_UPSTREAMS: 'http://127.0.0.1:1,packager.example',
    });
    expect(await withTimeout(run.exited, EXIT_MS, 'dev.ts exit')).toBe(2);
    const out = run.output();
    expect(out).toContain('config: PACKAGER_ROOT: expected unset with SHIELD_UPSTREAMS');
    expect(out).toContain(
      'config: SHIELD_UPSTREAMS[1]: expected absolute http(s) URL without query or fragment, got "packager.example"',
    );
  });
});

describe('edge readiness', () => {
  it('stops waiting at the first 500 EDGE_ERR_CONFIG and reports the issues the Worker logged', async () => {
    const port = await freePort();
    // Stands in for wrangler dev with a config only workerd rejects: logs the issues on the first
    // request, like src/edge/index.ts, and answers every request 500 EDGE_ERR_CONFIG.
    const script = `
      const issue = 'GEO_RULES: expected a JSON array of rules, got "x"';
      require('node:http').createServer((req, res) => {
        console.error('[wrangler:error] ' + JSON.stringify({ level: 'error', code: 'EDGE_ERR_CONFIG', issues: [issue] }));
        res.statusCode = 500;
        res.end(JSON.stringify({ code: 'EDGE_ERR_CONFIG', message: 'edge configuration is invalid' }));
      }).listen(${port}, '127.0.0.1');`;
    const edge = spawnService('edge', process.execPath, ['-e', script]);
    try {
      const error = await waitForHttp(
        `http://127.0.0.1:${port}/healthz`,
        edge,
        120_000,
        configErrorJudge(edge),
      ).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(EdgeConfigError);
      expect((error as EdgeConfigError).issues).toEqual([
        'GEO_RULES: expected a JSON array of rules, got "x"',
      ]);
    } finally {
      await edge.stop();
    }
  });
});

describe('npm start edge settings', () => {
  it('takes edge keys from .dev.vars and the environment (environment wins), and nothing else', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'edgeshield-dev-vars-'));
    try {
      const file = join(dir, '.dev.vars');
      writeFileSync(
        file,
        'GEO_RULES=\'[{"prefix":"/vod/","deny":{"countries":["FR"]}}]\'\nCMSD_NODE=from-file\n' +
          'SHIELD_URLS=http://127.0.0.1:1\nSHIELD_SHARED_SECRET=file-secret\nNOT_AN_EDGE_KEY=x\n' +
          'RTC_URLS=http://127.0.0.1:2\n',
      );
      const config = parseDevConfig(
        { CMSD_NODE: 'from-env', HOME: '/root', RTC_SHARED_SECRET: 'rtc-secret', RTC_PORT: '9083' },
        await readEnvFile(file),
        dir,
      );
      if (Array.isArray(config)) throw new Error(config.map(formatConfigIssue).join('\n'));
      expect(config.edgeSettings).toEqual({
        GEO_RULES: '[{"prefix":"/vod/","deny":{"countries":["FR"]}}]',
        CMSD_NODE: 'from-env',
      });
      expect(config.sharedSecret).toEqual({ value: 'file-secret', from: '.dev.vars' });
      expect(config.ignored).toEqual([
        'SHIELD_URLS (the edge uses the shield npm start runs)',
        'RTC_URLS (the edge uses the RTC media server npm start runs)',
        'RTC_SHARED_SECRET (npm start gives its RTC media server the shield secret)',
      ]);
      expect(config.rtcPort).toBe(9083);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
