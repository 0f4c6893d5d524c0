/**
 * The real run path ends in k6's exit code: runBench (runner, HTTP client, results, summary.json) with
 * a tiny synthetic scenario against a local server whose answers cannot pass the threshold → 99;
 * the same scenario against a healthy route → 0. No stack: `target` points at the test server.
 * Never asserts on timings.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { exitCodeFor } from '../../bench/exit-code.ts';
import { runBench } from '../../bench/run.ts';
import type { Scenario } from '../../bench/scenario.ts';
import { type LocalServer, startLocalServer } from '../fixtures/local-server.ts';

const scenarioFor = (path: string): Scenario => ({
  name: 'synthetic-exit',
  description: 'exit-code wiring',
  options: {
    scenarios: { once: { executor: 'per-vu-iterations', vus: 2, iterations: 3, maxDuration: '5s' } },
    thresholds: { http_req_failed: ['rate<0.01'], http_reqs: ['count>=6'] },
  },
  exec: {
    async default(ctx) {
      await ctx.get(path);
    },
  },
});

describe('bench exit code through runBench', () => {
  let server: LocalServer | undefined;
  let target = '';
  const out = mkdtempSync(join(tmpdir(), 'edgeshield-bench-exit-'));
  beforeAll(async () => {
    server = await startLocalServer((req, res) => {
      res.writeHead(req.url === '/ok' ? 200 : 503, { 'content-type': 'text/plain' });
      res.end('x');
    });
    target = server.url;
  });
  afterAll(async () => {
    await server?.close();
    rmSync(out, { recursive: true, force: true });
  });

  it('exits 99 when a threshold fails and writes the verdict to summary.json', async () => {
    const { summary, summaryPath } = await runBench({ scenario: scenarioFor('/fail'), out, target });
    expect(exitCodeFor(summary)).toBe(99);
    const written = JSON.parse(readFileSync(summaryPath, 'utf8')) as typeof summary;
    const failed = written.edgeshield.thresholds.find((t) => t.metric === 'http_req_failed');
    expect(failed?.ok).toBe(false);
  });

  it('exits 0 when every threshold passes', async () => {
    const { summary } = await runBench({ scenario: scenarioFor('/ok'), out, target });
    expect(exitCodeFor(summary)).toBe(0);
  });
});
