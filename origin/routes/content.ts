/**
 * GET/HEAD of packager content: serve from the store, or fetch upstream, stream to the client and
 * fill the store.
 *
 * Walking-skeleton fill: a miss streams the upstream body straight to its client while collecting
 * it; concurrent misses for the same key wait for that fill and then read the store. Stream-while-
 * fill, SWR and stale-if-error replace `miss`/`serve` here without changing the route's signature.
 * Must not store anything incomplete, and must never turn an upstream abort into a short 200.
 */
import { pipeline } from 'node:stream/promises';
import { createAccumulator, readWhole, tap } from '../cache/fill.ts';
import type { InFlight } from '../cache/in-flight.ts';
import { ageSeconds, declaredLength, isFresh, replayHeaders, storageDecision } from '../cache/policy.ts';
import type { CachedObject, ObjectStore } from '../cache/store.ts';
import { ShieldError, upstreamFailure } from '../errors.ts';
import type { Logger } from '../log.ts';
import type { Upstream } from '../upstream/failover.ts';
import { type UpstreamResponse, upstreamRequestHeaders } from '../upstream/pool.ts';
import { type RequestContext, sendObject, serverTiming } from './respond.ts';

/** Everything the content route needs, passed in (no globals). */
export interface ContentDeps {
  readonly store: ObjectStore;
  readonly inFlight: InFlight;
  readonly upstream: Upstream;
  readonly maxObjectBytes: number;
  readonly now: () => number;
  readonly logger: Logger;
}

/** Serves one content request; rejects with a `ShieldError` only before response headers are sent. */
export type ContentRoute = (ctx: RequestContext) => Promise<void>;

/**
 * Builds the content route.
 *
 * @example const content = createContentRoute({ store, inFlight, upstream, maxObjectBytes, now, logger });
 */
export function createContentRoute(deps: ContentDeps): ContentRoute {
  const { store, inFlight, now } = deps;

  const fresh = (key: string): CachedObject | undefined => {
    const object = store.get(key);
    if (object === undefined) return undefined;
    if (isFresh(object, now())) return object;
    store.delete(key); // no revalidation in the skeleton: a stale object is refetched
    return undefined;
  };

  const fromStore = (ctx: RequestContext, object: CachedObject, cacheStatus: 'HIT' | 'COALESCED') =>
    sendObject(ctx, object, {
      cacheStatus,
      ageSec: ageSeconds(object, now()),
      serverTiming: serverTiming(now() - ctx.startedAt),
    });

  return async function content(ctx) {
    const hit = fresh(ctx.key);
    if (hit) return fromStore(ctx, hit, 'HIT');
    const waiting = inFlight.pending(ctx.key);
    if (waiting) {
      await waiting;
      const filled = fresh(ctx.key);
      if (filled) return fromStore(ctx, filled, 'COALESCED');
      // The first fill stored nothing (uncacheable or failed): fetch for ourselves, uncoalesced.
      return miss(deps, ctx);
    }
    const fill = miss(deps, ctx);
    inFlight.track(ctx.key, fill);
    await fill;
  };
}

async function miss(deps: ContentDeps, ctx: RequestContext): Promise<void> {
  const { now } = deps;
  const t0 = now();
  const res = await deps.upstream.fetch(`${ctx.path}${ctx.query}`, upstreamRequestHeaders());
  const originMs = now() - t0;
  if (res.status === 404 || res.status === 410) {
    res.body.resume();
    throw new ShieldError('SHIELD_ERR_NOT_FOUND', 'not found');
  }
  const decision = storageDecision(res.status, res.headers, deps.maxObjectBytes);
  const storable = decision.store && deps.store.maxBytes > 0;
  const length = declaredLength(res.headers);
  const bufferable = res.status === 200 && (length === undefined || length <= deps.maxObjectBytes);
  const timing = () => serverTiming(now() - ctx.startedAt, originMs);
  const cacheStatus = storable ? 'MISS' : 'BYPASS';

  // HEAD, and Range on an object we can hold, read the whole body first: HEAD so the next GET hits,
  // Range so we can cut the slice from complete bytes (we never forward Range upstream). A Range
  // miss without Content-Length streams the whole 200 instead (RFC 9110 §14.2 lets us ignore Range).
  const wantsRange = ctx.req.headers.range !== undefined && length !== undefined;
  if (bufferable && (ctx.method === 'HEAD' || wantsRange)) {
    const body = await readBody(res, deps.maxObjectBytes, length);
    if (body !== undefined) {
      const object = toObject(res, body, now(), decision);
      if (storable) deps.store.set(ctx.key, object);
      return sendObject(ctx, object, { cacheStatus, serverTiming: timing() });
    }
    if (length !== undefined) {
      throw new ShieldError('SHIELD_ERR_UPSTREAM_BAD_RESPONSE', 'upstream body shorter than Content-Length');
    }
    // Larger than we hold (no Content-Length): only a HEAD gets here, and it needs headers only.
  }

  ctx.res.writeHead(res.status, {
    ...ctx.cors,
    ...replayHeaders(res.headers),
    'x-cache': cacheStatus,
    'server-timing': timing(),
  });
  if (ctx.method === 'HEAD') {
    res.body.destroy();
    ctx.res.end();
    return;
  }
  const acc = createAccumulator(storable ? deps.maxObjectBytes : 0);
  try {
    // pipeline destroys every stream on failure: an upstream abort aborts the client connection
    // (it never sees a short 200), and a client abort cancels the upstream request.
    await pipeline(res.body, tap(acc), ctx.res);
  } catch (e) {
    deps.logger.warn('body stream aborted', {
      path: ctx.key,
      upstream: res.upstream,
      cause: e instanceof Error ? e.message : String(e),
    });
    ctx.res.destroy();
    return;
  }
  const body = storable ? acc.complete(length) : undefined;
  if (body !== undefined) deps.store.set(ctx.key, toObject(res, body, now(), decision));
}

async function readBody(
  res: UpstreamResponse,
  limit: number,
  length: number | undefined,
): Promise<Uint8Array | undefined> {
  try {
    return await readWhole(res.body, limit, length);
  } catch (e) {
    // Headers are not sent yet, so the client gets a clean 502/504 instead of an aborted body.
    throw upstreamFailure(e);
  }
}

function toObject(
  res: UpstreamResponse,
  body: Uint8Array,
  storedAt: number,
  decision: ReturnType<typeof storageDecision>,
): CachedObject {
  return {
    headers: replayHeaders(res.headers),
    body,
    storedAt,
    initialAgeSec: decision.store ? decision.initialAgeSec : 0,
    freshForSec: decision.store ? decision.freshForSec : 0,
  };
}
