/**
 * GET/HEAD of packager content: hits, stale-while-revalidate, and collapsed forwarding with
 * stream-while-fill.
 *
 * A fresh object is written straight from the store. A stale one inside its SWR window is served
 * (x-cache STALE) while one background revalidation runs. Anything else joins the fill in flight for
 * its key (COALESCED) or starts one (MISS); every waiter of a fill streams the same bytes as they
 * arrive. An upstream error falls back to a stale copy within its stale-if-error window. Must not
 * store anything incomplete, and must never turn an upstream abort into a short 200.
 */
import { ageSeconds, canServeStaleOnError, freshnessState } from '../../src/core/cache/freshness.ts';
import { contentKindOf } from '../../src/core/hls/content-kind.ts';
import { type Fill, type FillDeps, type FillHead, startFill } from '../cache/fill.ts';
import type { InFlight } from '../cache/in-flight.ts';
import { createPrefetcher, type PrefetchOptions } from '../cache/prefetch.ts';
import type { CachedObject, ObjectStore } from '../cache/store.ts';
import { noteUpstreamFill } from '../egress-origin.ts';
import { ShieldError } from '../errors.ts';
import type { HotCounts } from '../metrics.ts';
import { type CacheStatus, type RequestContext, sendObject, serverTiming } from './respond.ts';
import { streamBody } from './stream.ts';

/** Everything the content route needs, passed in (no globals). */
export interface ContentDeps extends FillDeps {
  readonly store: ObjectStore;
  readonly inFlight: InFlight;
  readonly counts: HotCounts;
  /** Playlist / CMCD prefetch; absent or zeroed = off. */
  readonly prefetch?: PrefetchOptions;
}

/** Serves one content request; rejects with a `ShieldError` only before response headers are sent. */
export interface ContentRoute {
  (ctx: RequestContext): Promise<void>;
  /** Book-keeping for a fresh hit served by the fast path (fast-hit.ts): hit count, prefetch use. */
  readonly onFastHit: (object: CachedObject) => void;
}

/**
 * Builds the content route.
 *
 * @example const content = createContentRoute({ store, inFlight, upstream, maxObjectBytes, … });
 */
export function createContentRoute(deps: ContentDeps): ContentRoute {
  const { store, inFlight, now, counts } = deps;

  const serveStored = (
    ctx: RequestContext,
    object: CachedObject,
    cacheStatus: CacheStatus,
    originMs?: number,
  ) =>
    sendObject(ctx, object, {
      cacheStatus,
      ageSec: ageSeconds(object, now()),
      serverTiming: serverTiming(now() - ctx.startedAt, originMs),
    });

  const begin = (key: string, pathAndQuery: string, stale: CachedObject | undefined): Fill => {
    const fill = startFill(deps, key, pathAndQuery, stale);
    inFlight.track(key, fill);
    void fill.head.then((head) => {
      // Late joiners must get the whole body: release the key once this fill cannot give them that.
      if (head.kind === 'stream' && !(head.shared && head.body.retained)) inFlight.release(key, fill);
    });
    if (prefetcher !== undefined) {
      const path = pathAndQuery.split('?', 1)[0] ?? pathAndQuery;
      if (contentKindOf(path) === 'playlist') {
        void fill.done.then((stored) => {
          if (stored !== undefined) prefetcher.playlistStored(path, stored);
        });
      }
    }
    return fill;
  };
  const prefetcher =
    deps.prefetch === undefined
      ? undefined
      : createPrefetcher(deps.prefetch, {
          store,
          inFlight,
          begin: (key, pathAndQuery) => begin(key, pathAndQuery, undefined),
          counts,
          logger: deps.logger,
        });

  const revalidateInBackground = (key: string, pathAndQuery: string, stale: CachedObject): void => {
    if (inFlight.get(key) !== undefined) return;
    const fill = begin(key, pathAndQuery, stale);
    void fill.head.then((head) => {
      if (head.kind === 'stream') head.body.abandonIfUnread();
      else if (head.kind === 'error')
        deps.logger.warn('background revalidation failed', { path: key, code: head.error.code });
    });
  };

  async function serveFill(
    ctx: RequestContext,
    fill: Fill,
    role: 'MISS' | 'COALESCED' | 'BYPASS',
    stale: CachedObject | undefined,
  ): Promise<void> {
    const head: FillHead = await fill.head;
    if (head.kind === 'error') {
      if (stale?.status === 200 && canServeStaleOnError(stale, now())) {
        counts.staleIfError++;
        return serveStored(ctx, stale, 'STALE');
      }
      throw head.error;
    }
    if (head.kind === 'object') return serveStored(ctx, head.object, role, head.originMs);
    // Cluster: a local miss the owner worker answered from its cache is a hit for the host.
    const hostRole = role === 'MISS' ? peerRole(head.peerCache, counts) : role;
    // Egress ledger (issue 8): this response's originBytes are what the fill it started received
    // from the packager (through the owner worker when it was a host-wide miss).
    if (hostRole !== 'COALESCED' && hostRole !== 'HIT' && hostRole !== 'STALE')
      noteUpstreamFill(ctx.res, () => head.body.received);
    if (role === 'COALESCED' && !(head.shared && head.body.joinable)) {
      // Not shareable (private, no-store…) or already past what we keep: fetch for ourselves.
      return serveFill(
        ctx,
        startFill(deps, ctx.key, `${ctx.path}${ctx.query}`, undefined),
        'BYPASS',
        undefined,
      );
    }
    const cacheStatus: CacheStatus = head.storable ? hostRole : 'BYPASS';
    if (cacheStatus === 'BYPASS') counts.bypass++;
    const timing = serverTiming(now() - ctx.startedAt, head.originMs);
    if ((ctx.req.headers.range !== undefined || ctx.method === 'HEAD') && head.storable) {
      // Ranges are cut from complete bytes (we never forward Range upstream); a HEAD waits for the
      // whole body so a truncated upstream answers 502 rather than headers that promise a body.
      const object = await fill.done;
      if (object === undefined) {
        throw new ShieldError('SHIELD_ERR_UPSTREAM_BAD_RESPONSE', 'upstream body incomplete');
      }
      return sendObject(ctx, object, { cacheStatus, serverTiming: timing });
    }
    const headers: Record<string, string> = {
      ...ctx.cors,
      ...head.headers,
      'x-cache': cacheStatus,
      'server-timing': timing,
    };
    if (ctx.method === 'HEAD') {
      ctx.res.writeHead(head.status, headers);
      ctx.res.end();
      // Nothing will be stored, so nobody needs the body this HEAD started.
      head.body.abandonIfUnread();
      return;
    }
    ctx.res.writeHead(head.status, headers);
    await streamBody(ctx.res, head.body);
  }

  const onFastHit = (object: CachedObject): void => {
    counts.hits++;
    prefetcher?.servedObject(object);
  };
  return Object.assign(
    async function content(ctx: RequestContext): Promise<void> {
      prefetcher?.request(ctx.req.url ?? '', ctx.req.headers, ctx.path);
      let object = store.get(ctx.key);
      if (object === undefined && store.cold?.has(ctx.key) === true && inFlight.get(ctx.key) === undefined) {
        // Disk tier: one read (shared by concurrent callers), promoted to memory; the hit path never waits here.
        object = await store.cold.load(ctx.key);
        if (object !== undefined) counts.diskHits++;
      }
      if (object !== undefined) {
        const state = freshnessState(object, now());
        if (state === 'fresh') {
          counts.hits++;
          prefetcher?.servedObject(object);
          return serveStored(ctx, object, 'HIT');
        }
        if (state === 'stale-while-revalidate') {
          counts.staleWhileRevalidate++;
          revalidateInBackground(ctx.key, `${ctx.path}${ctx.query}`, object);
          return serveStored(ctx, object, 'STALE');
        }
      }
      const running = inFlight.get(ctx.key);
      if (running !== undefined) {
        counts.coalesced++;
        prefetcher?.servedFill(running);
        return serveFill(ctx, running, 'COALESCED', object);
      }
      counts.misses++;
      return serveFill(ctx, begin(ctx.key, `${ctx.path}${ctx.query}`, object), 'MISS', object);
    },
    { onFastHit },
  );
}

/**
 * The host-wide status of a local miss: the owner worker's x-cache when a sibling answered (HIT,
 * STALE or COALESCED there means the packager was not asked for this request), else MISS. Moves the
 * request from the miss counter to the one that matches, so aggregated metrics count it once.
 */
function peerRole(peerCache: string | undefined, counts: HotCounts): 'MISS' | 'HIT' | 'STALE' | 'COALESCED' {
  if (peerCache !== 'HIT' && peerCache !== 'STALE' && peerCache !== 'COALESCED') return 'MISS';
  counts.misses--;
  if (peerCache === 'HIT') counts.hits++;
  else if (peerCache === 'STALE') counts.staleWhileRevalidate++;
  else counts.coalesced++;
  return peerCache;
}
