/**
 * geo-mix — VOD viewers from seven countries (US, DE, BR, JP, AU, IN, SG) with different shares and
 * bandwidths; each request carries its country (CF-IPCountry; the edge reads it when request.cf has
 * none) and is tagged with it, so egress and CloudFront cost come out per pricing region.
 *
 * Failure mode reproduced: cost surprises — the same bytes cost up to 40 % more in Asia-Pacific than
 * in North America, and a region policy (rendition caps) that does not apply shows up as bytes.
 * Good looks like: no errors, egress per country proportional to its viewers × rendition, and the
 * cost table in summary.json matching bytes × the region's $/GB.
 */
import { costByRegion } from '../lib/cost.ts';
import { CLOUDFRONT_ON_DEMAND } from '../lib/prices-cloudfront.ts';
import { pickWeighted } from '../lib/prng.ts';
import { createZipf } from '../lib/zipf.ts';
import { titleMaster } from '../local-stack.ts';
import { makeViewer, PLAYER_METRICS, play } from '../player.ts';
import type { Scenario } from '../scenario.ts';

const TITLES = 40;
const zipf = createZipf(TITLES, 0.9);
const SHARES = { US: 30, DE: 20, BR: 15, JP: 10, AU: 10, IN: 10, SG: 5 } as const;
/** Typical access throughput per country for the bandwidth model (bits/s). */
const BANDWIDTH: Readonly<Record<keyof typeof SHARES, readonly number[]>> = {
  US: [3e6, 6e6, 12e6],
  DE: [3e6, 6e6, 12e6],
  BR: [1.5e6, 3e6, 6e6],
  JP: [6e6, 12e6],
  AU: [3e6, 6e6],
  IN: [1e6, 1.5e6, 3e6],
  SG: [6e6, 12e6],
};

export const geoMix: Scenario = {
  name: 'geo-mix',
  description:
    'VOD viewers from US/DE/BR/JP/AU/IN/SG with per-country bandwidth; egress and CloudFront cost per pricing region. Reproduces regional cost skew. Good: no errors, cost = bytes x region price.',
  options: {
    scenarios: { viewers: { executor: 'constant-vus', vus: 8, duration: '20s' } },
    thresholds: { http_req_failed: ['rate<0.01'], 'http_req_duration{tier:edge}': ['p(95)<100'] },
  },
  metrics: PLAYER_METRICS,
  stack: { catalogueTitles: TITLES },
  exec: {
    async default(ctx) {
      const country = pickWeighted(SHARES, ctx.random);
      const viewer = await makeViewer(ctx, { country, bandwidths: BANDWIDTH[country] });
      await play(ctx, viewer, {
        masterPath: titleMaster(zipf(ctx.random)),
        maxSegments: 4 + Math.floor(ctx.random() * 8),
        maxBufferSec: Number.POSITIVE_INFINITY,
      });
    },
  },
  finish({ records }) {
    const bytes: Record<string, number> = {};
    const viewers: Record<string, number> = {};
    for (const r of records) {
      if (r.target !== 'edge') continue;
      bytes[r.country] = (bytes[r.country] ?? 0) + r.bytes;
      if (r.object.endsWith('master.m3u8')) viewers[r.country] = (viewers[r.country] ?? 0) + 1;
    }
    const perCountry = Object.fromEntries(
      Object.entries(bytes).map(([c, b]) => {
        const [cost] = costByRegion(CLOUDFRONT_ON_DEMAND, { [c]: b });
        return [
          c,
          {
            viewers: viewers[c] ?? 0,
            mb: +(b / 1e6).toFixed(2),
            region: cost?.region,
            usd: +(cost?.usd ?? 0).toFixed(6),
            usdPerViewer: +((cost?.usd ?? 0) / Math.max(1, viewers[c] ?? 0)).toFixed(8),
          },
        ];
      }),
    );
    return { perCountry };
  },
};
