/**
 * Which shield response headers reach the viewer and the edge cache, the freshness metadata stored
 * with each object, and the edge's own cache status.
 *
 * An allowlist, not a denylist: whatever the shield (or a packager behind it) adds stays behind the
 * edge unless listed here. The Cache API honours only Cache-Control when it stores, so the stored
 * copy carries our retention as `s-maxage` and the real freshness (stored-at, ttl, swr, sie) plus
 * the origin's Cache-Control in `x-edgeshield-*` headers that never leave the edge. Must not read the
 * viewer's request.
 */

import { retentionMs, type TtlDecision } from '../../core/cache/ttl-policy.ts';
import { type CacheStatus, X_CACHE } from '../../core/http/shield-contract.ts';

/** Representation headers kept from the shield (RFC 9110 §8, RFC 9111 §5.1 `Age`). */
const KEPT = ['content-type', 'content-length', 'etag', 'last-modified', 'cache-control', 'age'] as const;

export { X_CACHE };
export const X_CACHE_SHIELD = 'x-cache-shield';
/** Edge-internal metadata, stripped before any response (see `isInternalHeader`). */
export const STORED_AT = 'x-edgeshield-stored-at';
/** When the fill that stored the object began: a purge recorded at or after it covers the object. */
export const FETCHED_AT = 'x-edgeshield-fetched-at';
/** Cloudflare purge-by-tag labels on stored objects (src/core/cache/purge.ts); never sent to viewers. */
export const CACHE_TAG = 'cache-tag';
const TTL = 'x-edgeshield-ttl-ms';
const SWR = 'x-edgeshield-swr-ms';
const SIE = 'x-edgeshield-sie-ms';
const INITIAL_AGE = 'x-edgeshield-age';
const ORIGIN_CC = 'x-edgeshield-cc';
const INTERNAL_PREFIX = 'x-edgeshield-';

/** The edge sends the same `x-cache` values as the shield (src/core/http/shield-contract.ts). */
export type EdgeCacheStatus = CacheStatus;

/**
 * Representation headers for the viewer. The shield's `x-cache` becomes `x-cache-shield` and its
 * Server-Timing entries are kept (the timing middleware appends `edge;dur`).
 */
export function viewerHeadersFrom(shield: Headers): Headers {
  const out = representationHeadersFrom(shield);
  const shieldCache = shield.get(X_CACHE);
  if (shieldCache !== null) out.set(X_CACHE_SHIELD, shieldCache);
  const timing = shield.get('server-timing');
  if (timing !== null) out.set('server-timing', timing);
  return out;
}

/**
 * What goes into the edge cache: the representation plus freshness metadata. Per-request facts (the
 * shield's cache status and timings) are left out so a later hit does not report a shield visit it
 * never made. `Age` moves into metadata: the Cache API would subtract it from our retention.
 */
export function storedHeadersFrom(
  shield: Headers,
  storedAt: number,
  decision: Extract<TtlDecision, { store: true }>,
  byteLength: number,
): Headers {
  const out = representationHeadersFrom(shield);
  const age = Number(out.get('age') ?? '0');
  out.delete('age');
  const originCc = out.get('cache-control');
  if (originCc !== null) out.set(ORIGIN_CC, originCc);
  out.set('cache-control', `public, s-maxage=${Math.max(1, Math.ceil(retentionMs(decision) / 1000))}`);
  out.set('content-length', String(byteLength));
  out.set(STORED_AT, String(storedAt));
  out.set(TTL, String(Math.round(decision.ttlMs)));
  out.set(SWR, String(Math.round(decision.swrMs)));
  out.set(SIE, String(Math.round(decision.staleIfErrorMs)));
  if (Number.isFinite(age) && age > 0) out.set(INITIAL_AGE, String(Math.floor(age)));
  return out;
}

/** Where a stored object stands at `now` (RFC 5861 windows measured from its expiry). */
export type Freshness =
  | { readonly state: 'fresh' }
  | { readonly state: 'stale-while-revalidate' }
  | { readonly state: 'stale-if-error' }
  | { readonly state: 'expired' };

/** @example freshnessOf(stored.headers, Date.now()).state // 'fresh' */
export function freshnessOf(stored: Headers, now: number): Freshness {
  const storedAt = Number(stored.get(STORED_AT));
  const ttl = Number(stored.get(TTL));
  // An entry without metadata (written by an older edge) is as good as expired, never served stale.
  if (!Number.isFinite(storedAt) || !Number.isFinite(ttl) || stored.get(TTL) === null) {
    return { state: 'expired' };
  }
  const pastExpiry = now - storedAt - ttl;
  if (pastExpiry < 0) return { state: 'fresh' };
  if (pastExpiry < Number(stored.get(SWR) ?? '0')) return { state: 'stale-while-revalidate' };
  if (pastExpiry < Number(stored.get(SIE) ?? '0')) return { state: 'stale-if-error' };
  return { state: 'expired' };
}

/**
 * The viewer's copy of stored headers: internal metadata dropped, the origin's Cache-Control back
 * (players and downstream caches follow the packager, not our retention), the current Age.
 */
export function viewerHeadersFromStored(stored: Headers, now: number): Headers {
  const out = new Headers();
  for (const [name, value] of stored) {
    if (
      !isInternalHeader(name) &&
      name !== 'cache-control' &&
      name !== 'cf-cache-status' &&
      name !== CACHE_TAG
    )
      out.set(name, value);
  }
  const originCc = stored.get(ORIGIN_CC);
  if (originCc !== null) out.set('cache-control', originCc);
  const age = currentAgeSeconds(stored, now);
  if (age !== undefined) out.set('age', String(age));
  return out;
}

/** The fill start of a stored object (its stored-at when older entries lack it; 0 when neither). */
export function fetchedAtOf(stored: Headers): number {
  const at = Number(stored.get(FETCHED_AT) ?? stored.get(STORED_AT));
  return Number.isFinite(at) ? at : 0;
}

export function isInternalHeader(name: string): boolean {
  return name.toLowerCase().startsWith(INTERNAL_PREFIX);
}

function representationHeadersFrom(shield: Headers): Headers {
  const out = new Headers();
  for (const name of KEPT) {
    const value = shield.get(name);
    if (value !== null) out.set(name, value);
  }
  // fetch() hands us a decoded body when the shield compressed it; its length no longer matches.
  if (shield.has('content-encoding')) out.delete('content-length');
  return out;
}

/**
 * RFC 9111 §4.2.3 current age for a stored object: the age it had when stored plus the time it has
 * resided here. Computed by us because the Cache API does not advance `Age`.
 */
export function currentAgeSeconds(stored: Headers, now: number): number | undefined {
  const storedAt = Number(stored.get(STORED_AT));
  if (!Number.isFinite(storedAt) || storedAt <= 0) return undefined;
  const initial = Number(stored.get(INITIAL_AGE) ?? '0');
  const base = Number.isFinite(initial) && initial > 0 ? Math.floor(initial) : 0;
  return base + Math.max(0, Math.floor((now - storedAt) / 1000));
}
