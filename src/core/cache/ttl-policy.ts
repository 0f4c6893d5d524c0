/**
 * Edge TTL policy (DESIGN.md "TTL policy"): whether an upstream answer may be stored and for how long
 * it is fresh, then how long it may be served stale while revalidating (RFC 5861 §3) or when the
 * upstream fails (RFC 5861 §4). Pure: no I/O, no clock; every input is an argument.
 *
 * Policy TTLs are ceilings: an origin that says less (CDN-Cache-Control, RFC 9213, first; otherwise
 * Cache-Control s-maxage, then max-age) wins. Never stored: keys, Set-Cookie, private, no-store,
 * no-cache (the edge does not revalidate), Vary: *, statuses other than 200 and a negatively cached 404.
 */

import type { ContentKind } from '../hls/content-kind.ts';
import { deltaSeconds, parseCacheControl } from '../http/cache-control.ts';
import type { PlaylistFacts } from './playlist-facts.ts';

/** Operator ceilings and windows, all in milliseconds (CACHE_* keys, parsed by the edge). */
export interface TtlConfig {
  /** Master playlists and VOD (ENDLIST / PLAYLIST-TYPE:VOD) media playlists. */
  readonly playlistTtlMs: number;
  /** Segments, parts, init sections and other media objects (immutable once published). */
  readonly segmentTtlMs: number;
  /** How long a 404 is remembered; 0 disables negative caching. */
  readonly negativeTtlMs: number;
  /** Stale-while-revalidate window after expiry (capped at the TTL for live playlists). */
  readonly swrMs: number;
  /** Stale-if-error window after expiry. */
  readonly staleIfErrorMs: number;
}

export const DEFAULT_TTL_CONFIG: TtlConfig = Object.freeze({
  playlistTtlMs: 3_600_000,
  segmentTtlMs: 31_536_000_000,
  negativeTtlMs: 2_000,
  swrMs: 30_000,
  staleIfErrorMs: 60_000,
});

export interface TtlInput {
  readonly kind: ContentKind;
  readonly status: number;
  readonly cacheControl: string | null;
  readonly cdnCacheControl: string | null;
  readonly setCookie: boolean;
  readonly varyStar?: boolean;
  /** Facts of a 200 playlist body; absent for other kinds (or unreadable bodies). */
  readonly playlist?: PlaylistFacts;
  /** The request carried `_HLS_msn` (an LL-HLS blocking reload, RFC 8216bis §6.2.5.2). */
  readonly blockingReload?: boolean;
}

export type NoStoreReason =
  | 'key'
  | 'set-cookie'
  | 'private'
  | 'no-store'
  | 'no-cache'
  | 'vary-star'
  | 'status'
  | 'zero-ttl';

/** Which rule set the TTL; reported in logs and tests. */
export type TtlRule =
  | 'negative'
  | 'segment'
  | 'master'
  | 'vod-playlist'
  | 'blocking-reload'
  | 'll-hls-playlist'
  | 'live-playlist';

export type TtlDecision =
  | { readonly store: false; readonly reason: NoStoreReason }
  | {
      readonly store: true;
      readonly rule: TtlRule;
      readonly ttlMs: number;
      readonly swrMs: number;
      readonly staleIfErrorMs: number;
    };

/** Live playlists without a usable EXT-X-TARGETDURATION get this TTL (half of a 2 s target). */
const FALLBACK_LIVE_TTL_MS = 1_000;

/**
 * @example
 *   decideTtl({ kind: 'playlist', status: 200, cacheControl: 'public, max-age=1', cdnCacheControl: null,
 *     setCookie: false, playlist: { master: false, endList: false, vod: false, targetDurationS: 6 } }, DEFAULT_TTL_CONFIG)
 *   // { store: true, rule: 'live-playlist', ttlMs: 1000, swrMs: 1000, staleIfErrorMs: 60000 }
 */
export function decideTtl(input: TtlInput, config: TtlConfig): TtlDecision {
  if (input.kind === 'key') return { store: false, reason: 'key' };
  if (input.setCookie) return { store: false, reason: 'set-cookie' };
  if (input.varyStar === true) return { store: false, reason: 'vary-star' };
  // RFC 9213 §2.2: a cache that honours CDN-Cache-Control ignores Cache-Control for its own storage.
  const cdn = parseCacheControl(input.cdnCacheControl);
  const directives = cdn.size > 0 ? cdn : parseCacheControl(input.cacheControl);
  if (directives.has('private')) return { store: false, reason: 'private' };
  if (directives.has('no-store')) return { store: false, reason: 'no-store' };
  if (directives.has('no-cache')) return { store: false, reason: 'no-cache' };
  const shared = deltaSeconds(directives, 's-maxage');
  const plain = deltaSeconds(directives, 'max-age');
  // RFC 9111 §4.2.1: an invalid max-age makes the response stale at once; treat as 0.
  const originSeconds = shared !== undefined ? shared : plain;
  const originTtlMs = originSeconds === undefined ? undefined : (originSeconds ?? 0) * 1000;

  if (input.status === 404) {
    if (config.negativeTtlMs <= 0) return { store: false, reason: 'status' };
    const ttlMs = Math.min(config.negativeTtlMs, originTtlMs ?? Number.POSITIVE_INFINITY);
    if (ttlMs <= 0) return { store: false, reason: 'zero-ttl' };
    return { store: true, rule: 'negative', ttlMs, swrMs: 0, staleIfErrorMs: 0 };
  }
  if (input.status !== 200) return { store: false, reason: 'status' };

  const { rule, ceilingMs } = policyCeiling(input, config);
  const ttlMs = Math.min(ceilingMs, originTtlMs ?? Number.POSITIVE_INFINITY);
  if (ttlMs <= 0) return { store: false, reason: 'zero-ttl' };
  const originSwr = deltaSeconds(directives, 'stale-while-revalidate');
  const originSie = deltaSeconds(directives, 'stale-if-error');
  let swrMs = originSwr == null ? config.swrMs : Math.min(originSwr * 1000, config.swrMs);
  // A live playlist served much older than its own TTL makes players stall or re-request: bound the
  // staleness to one more TTL (the background refresh lands well within it).
  const live = rule === 'live-playlist' || rule === 'll-hls-playlist' || rule === 'blocking-reload';
  if (live) swrMs = Math.min(swrMs, ttlMs);
  const staleIfErrorMs =
    originSie == null ? config.staleIfErrorMs : Math.min(originSie * 1000, config.staleIfErrorMs);
  // RFC 9111 §5.2.2.2 / §5.2.2.8: must-revalidate and proxy-revalidate forbid serving stale at all.
  if (directives.has('must-revalidate') || directives.has('proxy-revalidate')) {
    return { store: true, rule, ttlMs, swrMs: 0, staleIfErrorMs: 0 };
  }
  return { store: true, rule, ttlMs, swrMs, staleIfErrorMs };
}

/** How long the stored entry must outlive its freshness (the Cache API evicts after s-maxage). */
export function retentionMs(decision: Extract<TtlDecision, { store: true }>): number {
  return decision.ttlMs + Math.max(decision.swrMs, decision.staleIfErrorMs);
}

function policyCeiling(input: TtlInput, config: TtlConfig): { rule: TtlRule; ceilingMs: number } {
  if (input.kind !== 'playlist') return { rule: 'segment', ceilingMs: config.segmentTtlMs };
  const facts = input.playlist;
  if (facts?.master === true) return { rule: 'master', ceilingMs: config.playlistTtlMs };
  if (facts?.endList === true || facts?.vod === true) {
    return { rule: 'vod-playlist', ceilingMs: config.playlistTtlMs };
  }
  const target = facts?.targetDurationS;
  if (input.blockingReload === true) {
    // RFC 8216bis §6.2.5.2: the answer to `_HLS_msn=M&_HLS_part=P` is any playlist holding that part;
    // the key pins the directive, so it stays a correct answer for about one target duration.
    return {
      rule: 'blocking-reload',
      ceilingMs: target === undefined ? FALLBACK_LIVE_TTL_MS : target * 1000,
    };
  }
  if (facts?.partTargetS !== undefined) {
    // LL-HLS: a new part appears every part target; half of it keeps a non-blocking reload current.
    return { rule: 'll-hls-playlist', ceilingMs: (facts.partTargetS * 1000) / 2 };
  }
  // RFC 8216bis §6.2.2 lets clients reload no sooner than one target duration; half of it bounds how
  // late an edge copy can be.
  return {
    rule: 'live-playlist',
    ceilingMs: target === undefined ? FALLBACK_LIVE_TTL_MS : (target * 1000) / 2,
  };
}
