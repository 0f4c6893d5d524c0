/**
 * baseline — the same seeded VOD trace, in the same pass, against the edgeshield stack, nginx
 * proxy_cache and a bare Node caching proxy (each with its own counting proxy in front of the one
 * packager), one after the other so they do not compete for the 2 cores. Results are ratios to edge.
 *
 * Failure mode reproduced: a CDN layer that is slower or caches worse than the obvious alternatives.
 * Good looks like: edge hit ratio ≥ nginx's and Node's for the same trace (ratio ≥ 1), origin
 * requests ≤ theirs; TTFB ratios show the price of workerd + two tiers on loopback.
 * nginx is installed with apt when absent and we are root; else it is skipped with a note.
 */
import { type Baseline, ensureNginx, startNginx } from '../baselines/nginx.ts';
import { startNodeCache } from '../baselines/node-cache.ts';
import { type CountingProxy, startCountingProxy } from '../counting-proxy.ts';
import { percentileOfSorted, sortedCopy } from '../lib/percentiles.ts';
import { createRandom, seedOf } from '../lib/prng.ts';
import { isHit } from '../lib/record.ts';
import { createZipf } from '../lib/zipf.ts';
import { titleMaster } from '../local-stack.ts';
import { makeViewer, PLAYER_METRICS, play } from '../player.ts';
import type { IterationContext, Scenario } from '../scenario.ts';

const TITLES = 40;
const zipf = createZipf(TITLES, 0.9);
const PHASE = { vus: 4, iterations: 10, maxDuration: '18s' } as const;

async function session(ctx: IterationContext, target: string): Promise<void> {
  if (ctx.targets[target] === undefined) return;
  const random = createRandom(seedOf('baseline', ctx.vu, ctx.iteration));
  const viewer = await makeViewer(ctx, {});
  await play(ctx, viewer, {
    masterPath: titleMaster(zipf(random)),
    maxSegments: 3 + Math.floor(random() * 8),
    maxBufferSec: Number.POSITIVE_INFINITY,
    target,
  });
}

export const baseline: Scenario = {
  name: 'baseline',
  description:
    'Same seeded VOD trace against edgeshield, nginx proxy_cache and a bare Node caching proxy, sequentially in one pass. Good: edge hit ratio >= baselines (ratio >= 1); TTFB ratios show the cost of the extra tiers.',
  options: {
    scenarios: {
      edge: { executor: 'per-vu-iterations', ...PHASE, exec: 'edge' },
      nginx: { executor: 'per-vu-iterations', ...PHASE, exec: 'nginx', startTime: '19s' },
      node: { executor: 'per-vu-iterations', ...PHASE, exec: 'node', startTime: '38s' },
    },
    thresholds: { 'http_req_failed{target:edge}': ['rate<0.01'] },
  },
  metrics: PLAYER_METRICS,
  stack: { catalogueTitles: TITLES },
  privateStack: 'baseline compares the edge with nginx and Node on one counted packager',
  exec: {
    edge: (ctx) => session(ctx, 'edge'),
    nginx: (ctx) => session(ctx, 'nginx'),
    node: (ctx) => session(ctx, 'node'),
  },
  async setup({ packagerUrl }) {
    if (packagerUrl === undefined)
      return { notes: ['baseline needs the bench-started stack (no --target): nginx and Node skipped'] };
    const notes: string[] = [];
    const started: (() => Promise<void>)[] = [];
    const targets: Record<string, string> = {};
    const originCounters: Record<string, CountingProxy> = {};
    const stopAll = async () => {
      for (const stop of started.reverse()) await stop();
    };
    try {
      const nginx = ensureNginx();
      if (nginx.ok) {
        const counter = await startCountingProxy(packagerUrl);
        started.push(() => counter.close());
        const server: Baseline = await startNginx(nginx.bin, counter.url);
        started.push(() => server.stop());
        counter.reset();
        targets.nginx = server.url;
        originCounters.nginx = counter;
      } else notes.push(nginx.reason);
      const counter = await startCountingProxy(packagerUrl);
      started.push(() => counter.close());
      const node = await startNodeCache(counter.url);
      started.push(() => node.stop());
      targets.node = node.url;
      originCounters.node = counter;
    } catch (e) {
      await stopAll();
      throw e;
    }
    return { targets, originCounters, notes, cleanup: stopAll };
  },
  finish({ records, notes }) {
    const sessions = (t: string) =>
      records.filter((r) => r.target === t && r.object.endsWith('master.m3u8')).length;
    if (new Set(['edge', 'nginx', 'node'].map(sessions).filter((n) => n > 0)).size > 1) {
      notes.push(
        'baseline phases did not all complete the same sessions (maxDuration hit): ratios compare different trace prefixes',
      );
    }
    const byTarget = (t: string) => records.filter((r) => r.target === t && r.status === 200);
    const stats = (t: string) => {
      const rs = byTarget(t);
      const ttfb = sortedCopy(rs.map((r) => r.ttfb));
      return {
        requests: rs.length,
        hitRatio: rs.length ? rs.filter((r) => isHit(r.cache)).length / rs.length : 0,
        ttfbP50: percentileOfSorted(ttfb, 50),
        ttfbP95: percentileOfSorted(ttfb, 95),
      };
    };
    const edge = stats('edge');
    const out: Record<string, unknown> = { edge };
    for (const t of ['nginx', 'node']) {
      const s = stats(t);
      if (s.requests === 0) continue;
      out[t] = {
        ...s,
        edgeHitRatioOverThis: s.hitRatio ? edge.hitRatio / s.hitRatio : null,
        edgeTtfbP95OverThis: s.ttfbP95 ? edge.ttfbP95 / s.ttfbP95 : null,
      };
    }
    return { baseline: out };
  },
};
