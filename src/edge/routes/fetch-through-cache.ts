/**
 * The edge's one cache path for playlists and segments: `caches.default`, then the shield.
 *
 * HIT: serve the stored object (the Cache API answers Range itself with 206). MISS: fetch the whole
 * object from the shield, stream it to the viewer while a tee'd copy fills the cache in
 * `waitUntil`. BYPASS: the shield's answer is not storable (non-200, Set-Cookie, private/no-store);
 * pass it through. Must not cache per-viewer responses or 206 slices, and must not send the viewer's
 * Range, credentials or token to the shield. Concurrent misses each go to the shield for now;
 * single-flight (coalesce.ts) is a later issue.
 */
import type { Context } from 'hono';
import { cacheKeyUrl } from '../../core/cache/key.ts';
import { contentQuery } from '../../core/cache/upstream-query.ts';
import type { EdgeHonoEnv } from '../context.ts';
import { logEdgeError } from '../errors.ts';
import type { ShieldClient } from '../shield-client.ts';
import {
  currentAgeSeconds,
  type EdgeCacheStatus,
  isStorableAtEdge,
  STORED_AT,
  storedHeadersFrom,
  viewerHeadersFrom,
  X_CACHE,
  X_CACHE_SHIELD,
} from './shield-headers.ts';

export interface CachedFetchDeps {
  /** The edge cache (`caches.default` in production). */
  readonly cache: Cache;
  readonly shield: ShieldClient;
  readonly now: () => number;
}

/** Where the object lives: the cache key, and what the shield is asked for. */
export interface ObjectAddress {
  readonly cacheKey: string;
  readonly pathAndQuery: string;
}

/**
 * The cache key and shield request for this request. The content query is part of both, so
 * `_HLS_msn=5` and `_HLS_msn=6` are distinct objects while `token=` variants are one.
 */
export function objectAddress(c: Context<EdgeHonoEnv>): ObjectAddress {
  const url = new URL(c.req.url);
  return {
    cacheKey: cacheKeyUrl(url.host, c.var.path, url.searchParams),
    pathAndQuery: `${c.var.path}${contentQuery(url.searchParams)}`,
  };
}

/** @example app.get('*', (c) => fetchThroughCache(c, deps)) */
export async function fetchThroughCache(c: Context<EdgeHonoEnv>, deps: CachedFetchDeps): Promise<Response> {
  const address = objectAddress(c);
  const isHead = c.req.method === 'HEAD';
  const range = isHead ? undefined : c.req.header('range');
  // The key request is always a bare GET: the Cache API only matches GET, and nothing from the
  // viewer's headers may select or vary a shared entry. Range is the one header we pass, because
  // the Cache API then answers it from the stored whole object.
  const keyRequest = new Request(address.cacheKey);
  const cached = await deps.cache.match(
    range === undefined ? keyRequest : new Request(address.cacheKey, { headers: { range } }),
  );
  if (cached) return fromCache(cached, 'HIT', isHead, deps.now());

  // Always the whole object: a slice must never be stored as if it were the object.
  const response = await deps.shield.get(address);
  const viewerHeaders = viewerHeadersFrom(response.headers);
  if (!isStorableAtEdge(response)) {
    viewerHeaders.set(X_CACHE, 'BYPASS');
    // RFC 9110 §14.2: a server may ignore Range; an uncacheable object is served whole.
    return new Response(isHead ? null : response.body, { status: response.status, headers: viewerHeaders });
  }
  viewerHeaders.set(X_CACHE, 'MISS');
  const stored = storedHeadersFrom(response.headers, deps.now());
  const put = (body: BodyInit | null) =>
    deps.cache.put(keyRequest, new Response(body, { status: 200, headers: stored }));

  if (range !== undefined) {
    // Store first, then let the Cache API cut the range, so the viewer gets exactly what a later
    // hit would give. The object is buffered once; shield objects are bounded (SHIELD_MAX_OBJECT_BYTES).
    const bytes = await response.arrayBuffer();
    await put(bytes).catch((error: unknown) => logFillFailure(error, c, address));
    const sliced = await deps.cache.match(new Request(address.cacheKey, { headers: { range } }));
    if (sliced) return fromCache(sliced, 'MISS', false, deps.now(), viewerHeaders);
    return new Response(bytes, { status: 200, headers: viewerHeaders });
  }
  if (isHead || response.body === null) {
    c.executionCtx.waitUntil(put(response.body).catch((error: unknown) => logFillFailure(error, c, address)));
    return new Response(null, { status: 200, headers: viewerHeaders });
  }
  const [toViewer, toCache] = response.body.tee();
  c.executionCtx.waitUntil(put(toCache).catch((error: unknown) => logFillFailure(error, c, address)));
  return new Response(toViewer, { status: 200, headers: viewerHeaders });
}

/**
 * A stored object as the viewer sees it: fresh Age, our cache status, no edge-internal headers.
 * `fromShield` adds this request's shield facts (x-cache-shield, Server-Timing) when it went there.
 */
function fromCache(
  cached: Response,
  status: EdgeCacheStatus,
  isHead: boolean,
  now: number,
  fromShield?: Headers,
): Response {
  const headers = new Headers(cached.headers);
  for (const name of [X_CACHE_SHIELD, 'server-timing']) {
    const value = fromShield?.get(name);
    if (value != null) headers.set(name, value);
  }
  headers.delete(STORED_AT);
  // The Cache API's own status header describes the platform cache, not our tier (x-cache does).
  headers.delete('cf-cache-status');
  const age = currentAgeSeconds(cached.headers, now);
  if (age !== undefined) headers.set('age', String(age));
  headers.set(X_CACHE, status);
  if (isHead) {
    void cached.body?.cancel();
    return new Response(null, { status: cached.status, headers });
  }
  return new Response(cached.body, { status: cached.status, headers });
}

function logFillFailure(error: unknown, c: Context<EdgeHonoEnv>, address: ObjectAddress): void {
  // A failed fill (truncated shield body, storage refusal) costs a later miss, not this response.
  logEdgeError('EDGE_ERR_INTERNAL', error, c.req.method, address.pathAndQuery);
}
