/**
 * geo-mix — VOD viewers from seven countries (US, DE, BR, JP, AU, IN, SG) with different shares and
 * bandwidths, under a region policy: MANIFEST_POLICIES caps India at 360p (src/edge/config-manifest.ts),
 * so Indian viewers only see the 360p variant whatever their bandwidth. Each request carries its
 * country as CF-IPCountry; the stack runs the edge with DEV_TRUST_CLIENT_COUNTRY=on (dev only) so
 * that header, not wrangler dev's single cf.json country, is the viewer's country at the edge.
 * `geo-mix-uncapped` is the same trace without the policy: compare the two for the cap's effect.
 *
 * Failure mode reproduced: cost surprises — the same bytes cost up to 40 % more in Asia-Pacific than
 * in North America, and a region policy (rendition cap) that does not apply shows up as bytes.
 * Good looks like: no errors; in geo-mix every IN segment is 360p; egress per country proportional
 * to its viewers × rendition; the cost table matching bytes × the region's $/GB (ledger prices).
 */
import { CLOUDFRONT_ON_DEMAND, costByRegion } from '../lib/cost.ts';
import { pickWeighted } from '../lib/prng.ts';
import type { RequestRecord } from '../lib/record.ts';
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
/** The region policy under test: India capped at 360p. */
export const GEO_MIX_POLICIES = JSON.stringify({ countries: { IN: { maxHeight: 360 } } });
const RENDITION = /\/(\d{3,4}p)\/[^/]+\.(?:ts|m4s)$/;

function geoMixScenario(name: string, policies: string | undefined): Scenario {
  return {
    name,
    description: `VOD viewers from US/DE/BR/JP/AU/IN/SG with per-country bandwidth${policies ? ', India capped at 360p by MANIFEST_POLICIES' : ' and no region policy (compare with geo-mix)'}; egress, renditions and CloudFront cost per country. Reproduces regional cost skew. Good: no errors, cost = bytes x region price${policies ? ', IN only 360p' : ''}.`,
    options: {
      scenarios: { viewers: { executor: 'constant-vus', vus: 8, duration: '20s' } },
      thresholds: { http_req_failed: ['rate<0.01'], 'http_req_duration{tier:edge}': ['p(95)<100'] },
    },
    metrics: PLAYER_METRICS,
    privateStack: `${name} needs DEV_TRUST_CLIENT_COUNTRY (and its region policy) on the edge`,
    stack: {
      catalogueTitles: TITLES,
      edgeVars: {
        DEV_TRUST_CLIENT_COUNTRY: 'on',
        ...(policies === undefined ? {} : { MANIFEST_POLICIES: policies }),
      },
    },
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
    finish: ({ records }) => ({ perCountry: perCountry(records) }),
  };
}

/** Viewers, egress, segment renditions and edge cost per country (edge responses only). */
function perCountry(records: readonly RequestRecord[]): Record<string, unknown> {
  const bytes: Record<string, number> = {};
  const viewers: Record<string, number> = {};
  const renditions: Record<string, Record<string, number>> = {};
  for (const r of records) {
    if (r.target !== 'edge') continue;
    bytes[r.country] = (bytes[r.country] ?? 0) + r.bytes;
    if (r.object.endsWith('master.m3u8')) viewers[r.country] = (viewers[r.country] ?? 0) + 1;
    const rendition = RENDITION.exec(r.object)?.[1];
    if (rendition !== undefined && r.status === 200) {
      const mine = renditions[r.country] ?? {};
      mine[rendition] = (mine[rendition] ?? 0) + 1;
      renditions[r.country] = mine;
    }
  }
  return Object.fromEntries(
    Object.entries(bytes).map(([c, b]) => {
      const [cost] = costByRegion(CLOUDFRONT_ON_DEMAND, { [c]: b });
      const segments = Object.values(renditions[c] ?? {}).reduce((s, n) => s + n, 0);
      return [
        c,
        {
          viewers: viewers[c] ?? 0,
          mb: +(b / 1e6).toFixed(2),
          segments,
          mbPerSegment: +(b / 1e6 / Math.max(1, segments)).toFixed(3),
          renditions: renditions[c] ?? {},
          region: cost?.region,
          usd: +(cost?.usd ?? 0).toFixed(6),
          usdPerViewer: +((cost?.usd ?? 0) / Math.max(1, viewers[c] ?? 0)).toFixed(8),
        },
      ];
    }),
  );
}

export const geoMix: Scenario = geoMixScenario('geo-mix', GEO_MIX_POLICIES);
export const geoMixUncapped: Scenario = geoMixScenario('geo-mix-uncapped', undefined);
