/**
 * token-churn — the same seeded VOD trace twice, on two disjoint halves of the catalogue: first
 * tokenless, then with a distinct token per viewer and a distinct CMCD session (half as the CMCD query
 * parameter, half as CMCD headers).
 *
 * Failure mode reproduced: a cache key that includes `token=` or `CMCD=` turns every viewer into
 * their own cache — the hit ratio collapses and the origin sees one request per viewer.
 * Good looks like: the tokenized phase's edge and combined hit ratios equal the tokenless phase's
 * (|Δ| ≤ 0.02) and the origin fetches each segment once in both phases.
 *
 * The comparison is only sound on the same trace: every draw (title, length, bandwidth → rendition)
 * comes from a stream seeded by (vu, iteration), never by the executor's name, and finish() checks
 * that both phases asked for the same objects (`token_churn_trace_mismatch`) before the delta means
 * anything. Ordering between VUs still varies run to run; it moves requests between MISS and
 * COALESCED, which both phases count the same way (COALESCED is a hit: no upstream trip).
 *
 * Auth: the tokened phase runs on the bench's stack with AUTH_MODE=required (the default), so every
 * request carries a real signed JWT (sub = viewer, sid = session; path form `/~t/<token>/` for half
 * the viewers, `?token=` for the others) and the edge verifies it and personalises playlists. A
 * tokenless viewer would get 401 there, so setup starts a second bench stack with AUTH_MODE=off for
 * the tokenless phase (target `tokenless`, its own counting proxy). Both stacks start cold and have
 * the same config apart from AUTH_MODE, so the two hit ratios stay comparable; personalised playlists
 * are still one cached object per URL, and hits are counted from each response's x-cache.
 * With --target there is one stack: the tokenless phase then runs against it too (see notes).
 */

import { foldTitle, titleMaster } from '../lib/catalogue.ts';
import { phaseStats, traceMismatch } from '../lib/phase-compare.ts';
import { createRandom, seedOf } from '../lib/prng.ts';
import { createZipf } from '../lib/zipf.ts';
import { makeViewer, PLAYER_METRICS, play } from '../player.ts';
import type { IterationContext, Scenario } from '../scenario.ts';

const TITLES_PER_PHASE = 60;
const zipf = createZipf(TITLES_PER_PHASE, 0.9);

async function viewerSession(ctx: IterationContext, offset: number, tokens: boolean): Promise<void> {
  // Same trace in both phases: the draw depends on (run seed, vu, iteration), not on the phase.
  const random = createRandom(seedOf('token-churn', ctx.runSeed, ctx.vu, ctx.iteration));
  const title = offset + zipf(random);
  const segments = 3 + Math.floor(random() * 8);
  // The rendition must not depend on the phase either: ctx.random is seeded by the executor's name.
  // Tokens: VUs 0,1 query form, 2,3 path form, …; CMCD alternates query/header by VU parity.
  const viewer = await makeViewer(
    ctx,
    tokens
      ? {
          random,
          tokens: true,
          tokenIn: Math.floor(ctx.vu / 2) % 2 === 0 ? 'query' : 'path',
          cmcd: ctx.vu % 2 === 0 ? 'query' : 'header',
        }
      : { random, tokens: false },
  );
  const target = !tokens && ctx.targets.tokenless !== undefined ? 'tokenless' : undefined;
  await play(ctx, viewer, {
    masterPath: titleMaster(title),
    maxSegments: segments,
    maxBufferSec: Number.POSITIVE_INFINITY,
    ...(target === undefined ? {} : { target }),
  });
}

export const tokenChurn: Scenario = {
  name: 'token-churn',
  description:
    'Same seeded VOD trace tokenless then with a unique token + CMCD session per viewer. Reproduces cache-key fragmentation by tokens/CMCD. Good: hit ratio delta <= 0.02, origin fetches each segment once.',
  options: {
    scenarios: {
      tokenless: {
        executor: 'per-vu-iterations',
        vus: 6,
        iterations: 8,
        maxDuration: '15s',
        exec: 'tokenless',
      },
      tokens: {
        executor: 'per-vu-iterations',
        vus: 6,
        iterations: 8,
        maxDuration: '15s',
        exec: 'tokens',
        startTime: '16s',
      },
    },
    thresholds: {
      token_churn_hit_ratio_delta: ['value<=0.02'],
      // The delta compares like with like only when both phases replayed the same requests.
      token_churn_trace_mismatch: ['value==0'],
      'origin_requests_per_object{target:edge,kind:segment}': ['max<=1.0'],
      'origin_requests_per_object{target:tokenless,kind:segment}': ['max<=1.0'],
      http_req_failed: ['rate<0.01'],
    },
  },
  metrics: { ...PLAYER_METRICS, token_churn_hit_ratio_delta: 'gauge', token_churn_trace_mismatch: 'gauge' },
  // The tokened phase needs auth on: real tokens verified, playlists personalised.
  stack: { catalogueTitles: 2 * TITLES_PER_PHASE, edgeVars: { AUTH_MODE: 'required' } },
  async setup({ startStack }) {
    if (startStack === undefined)
      return {
        notes: [
          'token-churn with --target: both phases ran against the one target; with AUTH_MODE=required there the tokenless phase is refused',
        ],
      };
    const plain = await startStack({ catalogueTitles: 2 * TITLES_PER_PHASE, edgeVars: { AUTH_MODE: 'off' } });
    return {
      targets: { tokenless: plain.edgeUrl },
      originCounters: { tokenless: plain.origin },
      notes: [
        'token-churn: tokened phase on a stack with AUTH_MODE=required (signed JWT per viewer, sub+sid); tokenless phase on a second, identical stack with AUTH_MODE=off (target "tokenless")',
      ],
      cleanup: () => plain.stop(),
    };
  },
  exec: {
    tokenless: (ctx) => viewerSession(ctx, 0, false),
    tokens: (ctx) => viewerSession(ctx, TITLES_PER_PHASE, true),
  },
  finish({ records, metrics, notes }) {
    // The tokenless phase may have its own stack (target `tokenless`): compare it as an edge too.
    const tokenless = records
      .filter((r) => r.scenario === 'tokenless')
      .map((r) => (r.target === 'tokenless' ? { ...r, target: 'edge' } : r));
    const tokened = records.filter((r) => r.scenario === 'tokens');
    const a = phaseStats(tokenless);
    const b = phaseStats(tokened);
    const mismatch = traceMismatch(tokenless, tokened, (o) => foldTitle(o, TITLES_PER_PHASE));
    metrics.add('token_churn_hit_ratio_delta', Math.abs(a.edgeHitRatio - b.edgeHitRatio));
    metrics.add('token_churn_trace_mismatch', mismatch);
    if (mismatch > 0)
      notes.push(
        `token-churn: the phases requested different objects (${mismatch} unpaired requests); the hit-ratio delta compares different traces`,
      );
    if (b.excessMisses > a.excessMisses)
      notes.push(
        `token-churn: ${b.excessMisses - a.excessMisses} more edge misses than compulsory with tokens/CMCD: the key splits on them`,
      );
    return { tokenless: a, tokens: b, traceMismatch: mismatch };
  },
};
