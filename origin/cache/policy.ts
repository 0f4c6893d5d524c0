/**
 * What the shield may store, for how long, and which headers it replays (RFC 9111 §3, §4.2).
 *
 * Pure decisions over status and headers; the clock comes in as an argument. Must not touch the
 * store or the network. Stricter than RFC 9111 where the skeleton lacks revalidation: `no-cache` is
 * not stored, and no heuristic freshness from Last-Modified: a response without explicit freshness
 * gets the operator's default by content kind (SHIELD_DEFAULT_TTL, the edge's TTL rules) or is not
 * stored.
 */
import { type StaleBounds, staleWindows } from '../../src/core/cache/freshness.ts';
import { playlistFacts } from '../../src/core/cache/playlist-facts.ts';
import { DEFAULT_TTL_CONFIG, decideTtl } from '../../src/core/cache/ttl-policy.ts';
import { contentKindOf } from '../../src/core/hls/content-kind.ts';
import { deltaSeconds, parseCacheControl } from '../../src/core/http/cache-control.ts';
import type { DefaultTtl } from '../config-default-ttl.ts';

/** Upstream headers kept with a cached object and passed through on misses. */
export const REPLAY_HEADERS: readonly string[] = [
  'content-type',
  'etag',
  'last-modified',
  'cache-control',
  'content-length',
];

/** Whether and how long a response may be stored. */
export type StorageDecision =
  | {
      readonly store: true;
      readonly freshForSec: number;
      readonly initialAgeSec: number;
      readonly staleWhileRevalidateSec: number;
      readonly staleIfErrorSec: number;
      /** The lifetime is a default that depends on the playlist body: decide again once it is complete. */
      readonly needsBody?: true;
    }
  | { readonly store: false; readonly reason: string };

/** Where a lifetime comes from when the origin gives none (SHIELD_DEFAULT_TTL). */
export interface FallbackFreshness {
  readonly ttl: DefaultTtl;
  /** Request path and query: the content kind and LL-HLS blocking reloads are read from it. */
  readonly pathAndQuery: string;
  /** The complete body (playlists: live or VOD is read from it); absent while the body is still coming. */
  readonly body?: Uint8Array;
}

/**
 * Decides storability from status and upstream headers (lower-case names).
 *
 * @example storageDecision(200, { 'cache-control': 'public, max-age=60' }, 1e6) // { store: true, freshForSec: 60, … }
 * @example storageDecision(200, { 'set-cookie': 'a=1', 'cache-control': 'max-age=60' }, 1e6).store // false
 */
export function storageDecision(
  status: number,
  headers: Readonly<Record<string, string>>,
  maxObjectBytes: number,
  bounds: StaleBounds = NO_STALE,
  fallback?: FallbackFreshness,
): StorageDecision {
  if (status !== 200) return { store: false, reason: 'status' };
  if (headers['set-cookie'] !== undefined) return { store: false, reason: 'set-cookie' };
  if (headers.vary?.split(',').some((v) => v.trim() === '*')) return { store: false, reason: 'vary' };
  const cc = parseCacheControl(headers['cache-control']);
  for (const directive of ['no-store', 'private', 'no-cache'] as const) {
    if (cc.has(directive)) return { store: false, reason: directive };
  }
  const length = declaredLength(headers);
  if (length !== undefined && length > maxObjectBytes) return { store: false, reason: 'too-large' };
  // A shared cache prefers s-maxage (RFC 9111 §5.2.2.10).
  const explicit = deltaSeconds(cc, 's-maxage') ?? deltaSeconds(cc, 'max-age');
  const fallbackLifetime =
    explicit === undefined && saysNothing(headers) ? defaultLifetime(fallback) : undefined;
  const lifetime = fallbackLifetime === undefined ? explicit : fallbackLifetime.sec;
  if (lifetime === undefined || lifetime === null || lifetime <= 0) {
    return { store: false, reason: 'no-freshness' };
  }
  const age = Number(headers.age);
  const initialAgeSec = Number.isSafeInteger(age) && age > 0 ? age : 0;
  if (initialAgeSec >= lifetime) return { store: false, reason: 'stale-on-arrival' };
  const windows = { freshForSec: lifetime, initialAgeSec, ...staleWindows(cc, lifetime, bounds) };
  return fallbackLifetime?.needsBody === true
    ? { store: true, ...windows, needsBody: true }
    : { store: true, ...windows };
}

/** No freshness said any other way than Cache-Control (which the caller checked): no Expires, no CDN-Cache-Control. */
function saysNothing(headers: Readonly<Record<string, string>>): boolean {
  return headers.expires === undefined && headers['cdn-cache-control'] === undefined;
}

/**
 * The edge's policy (ttl-policy.ts) with the operator's ceilings as the lifetime: segments and VOD or
 * master playlists long, live playlists half a target duration (LL-HLS: half a part target). Keys
 * and unknown kinds get none. A playlist whose body has not arrived yet gets a provisional lifetime
 * (it is storable either way) marked `needsBody`.
 */
function defaultLifetime(
  fallback: FallbackFreshness | undefined,
): { sec: number; needsBody: boolean } | undefined {
  if (fallback === undefined) return undefined;
  const q = fallback.pathAndQuery.indexOf('?');
  const path = q === -1 ? fallback.pathAndQuery : fallback.pathAndQuery.slice(0, q);
  const kind = contentKindOf(path);
  if (kind !== 'playlist' && kind !== 'segment' && kind !== 'part') return undefined;
  const ceilingSec = kind === 'playlist' ? fallback.ttl.playlistSec : fallback.ttl.segmentSec;
  if (ceilingSec <= 0) return undefined;
  if (kind === 'playlist' && fallback.body === undefined) return { sec: ceilingSec, needsBody: true };
  const decision = decideTtl(
    {
      kind,
      status: 200,
      cacheControl: null,
      cdnCacheControl: null,
      setCookie: false,
      // RFC 8216bis §6.2.5.2: a blocking reload names the playlist version it waits for.
      blockingReload: q !== -1 && fallback.pathAndQuery.includes('_HLS_msn=', q),
      ...(fallback.body === undefined
        ? {}
        : { playlist: playlistFacts(new TextDecoder().decode(fallback.body)) }),
    },
    { ...DEFAULT_TTL_CONFIG, playlistTtlMs: ceilingSec * 1000, segmentTtlMs: ceilingSec * 1000 },
  );
  // Whole seconds like every lifetime here, rounded down: a live copy must never outlive the edge's
  // rule, so a sub-second one (LL-HLS parts, 1 s targets) is not stored at all.
  const sec = decision.store ? Math.floor(decision.ttlMs / 1000) : 0;
  return sec > 0 ? { sec, needsBody: false } : undefined;
}

/** Bounds that never serve stale (the skeleton's behaviour). */
export const NO_STALE: StaleBounds = Object.freeze({
  defaultStaleWhileRevalidateSec: 0,
  maxStaleIfErrorSec: 0,
});

/** True when a non-storable response may still be shared with concurrent waiters (only its size was the problem). */
export function shareable(decision: StorageDecision): boolean {
  return decision.store || decision.reason === 'too-large';
}

/**
 * Content-Length as a number, or `undefined` when absent or malformed.
 *
 * @example declaredLength({ 'content-length': '10' }) // 10
 */
export function declaredLength(headers: Readonly<Record<string, string>>): number | undefined {
  const raw = headers['content-length'];
  if (raw === undefined || !/^\d+$/.test(raw.trim())) return undefined;
  return Number(raw.trim());
}

/**
 * The subset of upstream headers replayed to clients (never Set-Cookie or hop-by-hop headers).
 *
 * @example replayHeaders({ 'content-type': 'video/mp2t', 'set-cookie': 'a=1' }) // { 'content-type': 'video/mp2t' }
 */
export function replayHeaders(headers: Readonly<Record<string, string>>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const name of REPLAY_HEADERS) {
    const value = headers[name];
    if (value !== undefined) out[name] = value;
  }
  return out;
}
