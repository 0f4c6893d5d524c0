/**
 * `npm run bench` reuses a running local stack (issue 7): a stack started here on free ports (auth
 * required, dev keys, like `npm start`), the bench pointed at it through EDGE_PORT/SHIELD_PORT/
 * PACKAGER_PORT, vod-zipf with tiny numbers. The run must use that stack (signed viewers accepted)
 * and leave it running. Asserts counts and mode only, never timings.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BenchTargetRefusedError } from '../../bench/errors.ts';
import { ensureCatalogue } from '../../bench/local-stack.ts';
import { runBench } from '../../bench/run.ts';
import { vodZipf } from '../../bench/scenarios/vod-zipf.ts';
import { REPO_ROOT, type Stack, startStack } from '../../scripts/stack/start-stack.ts';
import { ffmpegAvailable, requireInCi } from '../fixtures/tools.ts';

requireInCi(ffmpegAvailable, 'ffmpeg');

describe.skipIf(!ffmpegAvailable)('bench reuses a running local stack', () => {
  const out = mkdtempSync(join(tmpdir(), 'edgeshield-bench-reuse-'));
  let stack: Stack | undefined;
  let mediaRoot = '';
  beforeAll(async () => {
    mediaRoot = await ensureCatalogue(0);
    stack = await startStack({ mediaDir: mediaRoot });
  }, 120_000);
  afterAll(async () => {
    await stack?.stop();
    rmSync(out, { recursive: true, force: true });
  });

  it('runs vod-zipf against it with dev-key tokens and leaves it up', async () => {
    if (stack === undefined) throw new Error('stack did not start');
    const port = (url: string) => new URL(url).port;
    const logged: string[] = [];
    const { summary } = await runBench({
      scenario: vodZipf,
      out,
      duration: '2s',
      vus: 2,
      env: {
        EDGE_PORT: port(stack.edgeUrl),
        SHIELD_PORT: port(stack.shieldUrl),
        PACKAGER_PORT: port(stack.packagerUrl),
        PACKAGER_ROOT: mediaRoot,
      },
      log: (line) => logged.push(line),
    });
    expect(logged).toEqual([`using the running local stack at ${stack.edgeUrl}`]);
    expect(summary.edgeshield.notes).toContain(`stack: using the running local stack at ${stack.edgeUrl}`);
    const edge = summary.edgeshield.analyses.find((a) => a.target === 'edge');
    expect(edge?.originSource).not.toBe('counting-proxy');
    expect(edge?.tiers.edge.requests).toBeGreaterThan(0);
    // Auth is required on this stack: the viewers' dev-key tokens were accepted.
    expect(edge?.errorsByCode).toEqual({});
    for (const url of [`${stack.edgeUrl}/healthz`, `${stack.shieldUrl}/healthz`]) {
      expect((await fetch(url)).status).toBe(200);
    }
  }, 30_000);

  it('with --target and no keys, stops before any load: the real edge answers the probe 401', async () => {
    if (stack === undefined) throw new Error('stack did not start');
    await expect(
      runBench({ scenario: vodZipf, out, duration: '1s', vus: 1, target: stack.edgeUrl, log: () => {} }),
    ).rejects.toBeInstanceOf(BenchTargetRefusedError);
  }, 30_000);

  it('with --target and --sign-keys .dev-keys, every viewer is accepted by the real edge', async () => {
    if (stack === undefined) throw new Error('stack did not start');
    const { summary } = await runBench({
      scenario: vodZipf,
      out,
      duration: '2s',
      vus: 2,
      target: stack.edgeUrl,
      signKeys: join(REPO_ROOT, '.dev-keys'),
      log: () => {},
    });
    const edge = summary.edgeshield.analyses.find((a) => a.target === 'edge');
    expect(edge?.tiers.edge.requests).toBeGreaterThan(0);
    expect(Object.keys(edge?.errorsByCode ?? {}).filter((k) => /^40[13] /.test(k))).toEqual([]);
  }, 30_000);
});
