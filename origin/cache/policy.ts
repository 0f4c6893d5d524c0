/**
 * What the shield may store, for how long, and which headers it replays (RFC 9111 §3, §4.2).
 *
 * Pure decisions over status and headers; the clock comes in as an argument. Must not touch the
 * store or the network. Stricter than RFC 9111 where the skeleton lacks revalidation: `no-cache`
 * and responses without explicit freshness are not stored (no heuristic freshness).
 */
import { type StaleBounds, staleWindows } from '../../src/core/cache/freshness.ts';
import { deltaSeconds, parseCacheControl } from '../../src/core/http/cache-control.ts';

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
    }
  | { readonly store: false; readonly reason: string };

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
  const lifetime = deltaSeconds(cc, 's-maxage') ?? deltaSeconds(cc, 'max-age');
  if (lifetime === undefined || lifetime === null || lifetime <= 0) {
    return { store: false, reason: 'no-freshness' };
  }
  const age = Number(headers.age);
  const initialAgeSec = Number.isSafeInteger(age) && age > 0 ? age : 0;
  if (initialAgeSec >= lifetime) return { store: false, reason: 'stale-on-arrival' };
  return { store: true, freshForSec: lifetime, initialAgeSec, ...staleWindows(cc, lifetime, bounds) };
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
