/**
 * The edge's one cache path for playlists and segments: `caches.default`, then one shield request
 * per object per isolate (coalesce.ts), with the TTL policy (src/core/cache/ttl-policy.ts) deciding
 * what is stored and for how long.
 *
 * HIT: fresh stored object. STALE: past its TTL but inside the stale-while-revalidate window (served
 * while one background refresh runs in `waitUntil`) or inside stale-if-error when the shield failed.
 * MISS: this request led the shield fetch; COALESCED: it joined one in flight and streams the same
 * bytes as they arrive (a flight over the isolate's in-flight byte budget stops being joinable, still
 * streams to the waiters it has, and is not stored this time). BYPASS: not storable (Set-Cookie,
 * private/no-store, errors, keys). Range is cut from the whole object, never stored as a slice;
 * HEAD never reads a stored body. Must not cache per-viewer responses, and must not send the
 * viewer's Range, credentials or token to the shield.
 * Keep `fetchThroughCache(c, deps)` stable: the playlist route rewrites what it returns.
 */
import type { Context } from 'hono';
import { cacheKeyUrl, keyQuery } from '../../core/cache/key.ts';
import { playlistFacts } from '../../core/cache/playlist-facts.ts';
import { cacheTagsFor, purgeCovers } from '../../core/cache/purge.ts';
import { DEFAULT_TTL_CONFIG, decideTtl, type TtlConfig } from '../../core/cache/ttl-policy.ts';
import { contentKindOf } from '../../core/hls/content-kind.ts';
import { contentRangeValue, resolveRange } from '../../core/http/range.ts';
import { type Coalescer, createCoalescer, type FlightHead } from '../coalesce.ts';
import type { EdgeHonoEnv } from '../context.ts';
import { EdgeError, logEdgeError } from '../errors.ts';
import type { PurgeLog } from '../purge/purge-log.ts';
import type { ShieldClient } from '../shield-client.ts';
import {
  CACHE_TAG,
  type EdgeCacheStatus,
  FETCHED_AT,
  fetchedAtOf,
  freshnessOf,
  storedHeadersFrom,
  viewerHeadersFrom,
  viewerHeadersFromStored,
  X_CACHE,
} from './shield-headers.ts';

/** Key parameters and TTL policy (EdgeConfig.cache); defaults apply when absent. */
export interface CachePolicy {
  readonly keyParams: readonly string[];
  readonly ttl: TtlConfig;
}

export interface CachedFetchDeps {
  /** The edge cache (`caches.default` in production). */
  readonly cache: Cache;
  readonly shield: ShieldClient;
  readonly now: () => number;
  /** Single-flight per key; one per isolate (app.ts). A private one is made when absent. */
  readonly coalescer?: Coalescer;
  readonly policy?: CachePolicy;
  /** Recorded purges (edge purge log); a stored object fetched before a matching purge is absent. */
  readonly purges?: PurgeLog;
}

/** Where the object lives: the cache key, and what the shield is asked for. */
export interface ObjectAddress {
  readonly cacheKey: string;
  readonly pathAndQuery: string;
}

const DEFAULT_POLICY: CachePolicy = { keyParams: [], ttl: DEFAULT_TTL_CONFIG };
const fallbackCoalescers = new WeakMap<CachedFetchDeps, Coalescer>();

/**
 * The cache key and shield request for this request. The key query is part of both, so
 * `_HLS_msn=5` and `_HLS_msn=6` are distinct objects while `token=` / CMCD variants are one.
 */
export function objectAddress(c: Context<EdgeHonoEnv>, keyParams: readonly string[] = []): ObjectAddress {
  const url = new URL(c.req.url);
  return {
    cacheKey: cacheKeyUrl(url.host, c.var.path, url.searchParams, keyParams),
    pathAndQuery: `${c.var.path}${keyQuery(url.searchParams, keyParams)}`,
  };
}

export interface FetchOptions {
  /** false: the viewer's Range is ignored and the whole object returned (playlists are rewritten after). */
  readonly ranges?: boolean;
}

/** @example app.get('*', (c) => fetchThroughCache(c, deps)) */
export async function fetchThroughCache(
  c: Context<EdgeHonoEnv>,
  deps: CachedFetchDeps,
  options: FetchOptions = {},
): Promise<Response> {
  const policy = deps.policy ?? DEFAULT_POLICY;
  const address = objectAddress(c, policy.keyParams);
  const isHead = c.req.method === 'HEAD';
  const range = isHead || options.ranges === false ? undefined : c.req.header('range');
  // Always a GET on the key: the Cache API matches only GET, and no viewer header selects an entry
  // except Range, which the cache applies to the stored whole object itself, so a byte-range hit
  // never copies the object into the isolate. Only a 206 is taken from that lookup; anything else
  // (416, miss) looks again for the whole object, and the rules below cut or fetch it.
  const ranged =
    range === undefined
      ? undefined
      : await deps.cache.match(new Request(address.cacheKey, { headers: { range } }));
  if (ranged !== undefined && ranged.status !== 206) await ranged.body?.cancel();
  let stored = ranged?.status === 206 ? ranged : await deps.cache.match(new Request(address.cacheKey));
  if (stored && (await isPurged(deps, address, stored))) {
    // Purged at the edge (routes/purge.ts): a MISS, and this colo forgets the copy.
    await stored.body?.cancel();
    c.executionCtx.waitUntil(deps.cache.delete(new Request(address.cacheKey)));
    stored = undefined;
  }
  let staleOnError: Response | undefined;
  if (stored) {
    const now = deps.now();
    const { state } = freshnessOf(stored.headers, now);
    if (state === 'fresh') return fromStored(stored, 'HIT', isHead, range, now);
    if (state === 'stale-while-revalidate') {
      refreshInBackground(c, deps, address, policy);
      return fromStored(stored, 'STALE', isHead, range, now);
    }
    if (state === 'stale-if-error') staleOnError = stored;
    else await stored.body?.cancel();
  }

  const joined = joinFlight(c, deps, address, policy);
  let head: FlightHead;
  try {
    head = await joined.flight.head;
  } catch (error) {
    joined.flight.release();
    // RFC 5861 §4: an error may be answered with a stale copy inside the stale-if-error window.
    if (staleOnError) {
      logEdgeError(
        'EDGE_ERR_SHIELD_UNREACHABLE',
        error,
        c.req.method,
        `${address.pathAndQuery} (served stale)`,
      );
      return fromStored(staleOnError, 'STALE', isHead, range, deps.now());
    }
    throw error;
  }
  await staleOnError?.body?.cancel();
  const headers = viewerHeadersFrom(head.headers);
  const status: EdgeCacheStatus = !joined.leader
    ? 'COALESCED'
    : wouldStore(head, c.var.path, policy.ttl)
      ? 'MISS'
      : 'BYPASS';
  headers.set(X_CACHE, status);
  if (isHead) {
    joined.flight.release();
    return new Response(null, { status: head.status, headers });
  }
  if (range !== undefined && head.status === 200) {
    // Cut from the whole object, exactly as a later hit would; shield objects are bounded in size.
    // A flight over the in-flight budget keeps no shared copy: this request reads its own.
    const whole =
      (await joined.flight.whole()) ??
      new Uint8Array(await new Response(joined.flight.stream()).arrayBuffer());
    return sliced(whole, range, head.status, headers);
  }
  return new Response(joined.flight.stream(), { status: head.status, headers });
}

function joinFlight(
  c: Context<EdgeHonoEnv>,
  deps: CachedFetchDeps,
  address: ObjectAddress,
  policy: CachePolicy,
): ReturnType<Coalescer['join']> {
  const coalescer = coalescerOf(deps);
  const blockingReload = address.pathAndQuery.includes('_HLS_msn=');
  const path = c.var.path;
  // Before the shield is asked: a purge recorded after this instant finds these bytes purged.
  const fetchedAt = deps.now();
  const joined = coalescer.join(
    address.cacheKey,
    () => deps.shield.get(address),
    (head, body) => store(deps, address, head, body, { path, blockingReload, ttl: policy.ttl, fetchedAt }),
  );
  if (joined.leader) {
    // The fill outlives the viewer who started it: later joiners and the cache depend on it.
    c.executionCtx.waitUntil(joined.settled.catch((error: unknown) => logFillFailure(error, c, address)));
  }
  return joined;
}

/** One background refresh per key (a flight already running is the refresh). */
function refreshInBackground(
  c: Context<EdgeHonoEnv>,
  deps: CachedFetchDeps,
  address: ObjectAddress,
  policy: CachePolicy,
): void {
  if (coalescerOf(deps).has(address.cacheKey)) return;
  // Nobody reads this flight's body but the store: a waiter that never reads would hold it back.
  joinFlight(c, deps, address, policy).flight.release();
}

async function store(
  deps: CachedFetchDeps,
  address: ObjectAddress,
  head: FlightHead,
  body: Uint8Array,
  facts: { path: string; blockingReload: boolean; ttl: TtlConfig; fetchedAt: number },
): Promise<void> {
  const kind = contentKindOf(facts.path);
  const decision = decideTtl(
    {
      kind,
      status: head.status,
      cacheControl: head.headers.get('cache-control'),
      cdnCacheControl: head.headers.get('cdn-cache-control'),
      setCookie: head.headers.has('set-cookie'),
      varyStar: head.headers.get('vary')?.trim() === '*',
      blockingReload: facts.blockingReload,
      ...(kind === 'playlist' && head.status === 200
        ? { playlist: playlistFacts(new TextDecoder().decode(body)) }
        : {}),
    },
    facts.ttl,
  );
  if (!decision.store) return;
  const headers = storedHeadersFrom(head.headers, deps.now(), decision, body.byteLength);
  headers.set(FETCHED_AT, String(facts.fetchedAt));
  const tags = cacheTagsFor(facts.path);
  if (tags.length > 0) headers.set(CACHE_TAG, tags.join(','));
  await deps.cache.put(new Request(address.cacheKey), new Response(body, { status: head.status, headers }));
}

/** Whether a recorded purge covers this stored object (bounded scan; see purge/purge-log.ts). */
async function isPurged(deps: CachedFetchDeps, address: ObjectAddress, stored: Response): Promise<boolean> {
  if (deps.purges === undefined) return false;
  return purgeCovers(await deps.purges.entries(), address.pathAndQuery, fetchedAtOf(stored.headers));
}

/** x-cache for the leader before the body is known: storability from headers alone. */
function wouldStore(head: FlightHead, path: string, ttl: TtlConfig): boolean {
  return decideTtl(
    {
      kind: contentKindOf(path),
      status: head.status,
      cacheControl: head.headers.get('cache-control'),
      cdnCacheControl: head.headers.get('cdn-cache-control'),
      setCookie: head.headers.has('set-cookie'),
      varyStar: head.headers.get('vary')?.trim() === '*',
    },
    ttl,
  ).store;
}

/** A stored object as the viewer sees it: origin Cache-Control, current Age, our cache status. */
async function fromStored(
  stored: Response,
  status: EdgeCacheStatus,
  isHead: boolean,
  range: string | undefined,
  now: number,
): Promise<Response> {
  const headers = viewerHeadersFromStored(stored.headers, now);
  headers.set(X_CACHE, status);
  if (isHead) {
    // HEAD never reads the stored body.
    await stored.body?.cancel();
    return new Response(null, { status: stored.status, headers });
  }
  if (range !== undefined && stored.status === 200) {
    // A Range the cache did not satisfy (416) or apply: cut it here from the whole object.
    return sliced(new Uint8Array(await stored.arrayBuffer()), range, stored.status, headers);
  }
  if (range !== undefined) headers.set('accept-ranges', 'bytes');
  return new Response(stored.body, { status: stored.status, headers });
}

/** RFC 9110 §14: 206 with Content-Range, 416 when unsatisfiable, the whole 200 otherwise. */
function sliced(body: Uint8Array, range: string, status: number, headers: Headers): Response {
  const decision = resolveRange(range, body.byteLength);
  headers.set('accept-ranges', 'bytes');
  if (decision.kind === 'full') {
    headers.set('content-length', String(body.byteLength));
    return new Response(body, { status, headers });
  }
  if (decision.kind === 'unsatisfiable') {
    headers.set('content-range', contentRangeValue(body.byteLength));
    headers.delete('content-length');
    return new Response(null, { status: 416, headers });
  }
  headers.set('content-range', contentRangeValue(body.byteLength, decision));
  headers.set('content-length', String(decision.end - decision.start + 1));
  return new Response(body.slice(decision.start, decision.end + 1), { status: 206, headers });
}

function coalescerOf(deps: CachedFetchDeps): Coalescer {
  if (deps.coalescer) return deps.coalescer;
  let made = fallbackCoalescers.get(deps);
  if (!made) {
    made = createCoalescer();
    fallbackCoalescers.set(deps, made);
  }
  return made;
}

function logFillFailure(error: unknown, c: Context<EdgeHonoEnv>, address: ObjectAddress): void {
  // A failed fill (shield down, truncated body, storage refusal) costs a later miss, not this response.
  const code = error instanceof EdgeError ? error.code : 'EDGE_ERR_INTERNAL';
  logEdgeError(code, error, c.req.method, `${address.pathAndQuery} (cache fill)`);
}
