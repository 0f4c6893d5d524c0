/**
 * Freshness windows of a stored response: fresh, stale-while-revalidate, stale-if-error (RFC 9111
 * §4.2, RFC 5861). Pure: no I/O, no clock (callers pass `now` in ms).
 *
 * Decides which window an object is in; fetching, storing and serving are the caller's job. Must not
 * grow tier-specific policy: operator bounds come in as `StaleBounds`.
 */
import { type CacheDirectives, deltaSeconds } from '../http/cache-control.ts';

/** The timing facts of a stored response. */
export interface FreshnessFacts {
  /** Wall-clock ms when the object was stored (or last revalidated). */
  readonly storedAt: number;
  /** Upstream `Age` at storage time, seconds. */
  readonly initialAgeSec: number;
  /** Freshness lifetime, seconds. */
  readonly freshForSec: number;
  /** Seconds past expiry during which a stale copy may be served while one refresh runs. */
  readonly staleWhileRevalidateSec: number;
  /** Seconds past expiry during which a stale copy may replace an upstream error. */
  readonly staleIfErrorSec: number;
}

/** Operator bounds for the stale windows. */
export interface StaleBounds {
  /** Window used when the origin sends no `stale-while-revalidate`; capped at the lifetime. */
  readonly defaultStaleWhileRevalidateSec: number;
  /** Upper bound for `stale-if-error` (the origin's value or, when absent, this bound itself). */
  readonly maxStaleIfErrorSec: number;
}

/** Where an object stands at `now`. */
export type FreshnessState = 'fresh' | 'stale-while-revalidate' | 'stale';

/**
 * Current age in whole seconds (RFC 9111 §4.2.3 simplified: one clock).
 *
 * @example ageSeconds({ storedAt: 0, initialAgeSec: 2, … }, 3500) // 5
 */
export function ageSeconds(facts: FreshnessFacts, now: number): number {
  return facts.initialAgeSec + Math.max(0, Math.floor((now - facts.storedAt) / 1000));
}

/**
 * Which window the object is in.
 *
 * @example freshnessState({ storedAt: 0, initialAgeSec: 0, freshForSec: 1, staleWhileRevalidateSec: 1, staleIfErrorSec: 0 }, 1500)
 *   // 'stale-while-revalidate'
 */
export function freshnessState(facts: FreshnessFacts, now: number): FreshnessState {
  const age = ageSeconds(facts, now);
  if (age < facts.freshForSec) return 'fresh';
  if (age < facts.freshForSec + facts.staleWhileRevalidateSec) return 'stale-while-revalidate';
  return 'stale';
}

/**
 * Whether a stale copy may be served instead of an upstream error (RFC 5861 §4).
 *
 * @example canServeStaleOnError({ storedAt: 0, initialAgeSec: 0, freshForSec: 1, staleWhileRevalidateSec: 0, staleIfErrorSec: 60 }, 30_000) // true
 */
export function canServeStaleOnError(facts: FreshnessFacts, now: number): boolean {
  return ageSeconds(facts, now) < facts.freshForSec + facts.staleIfErrorSec;
}

/**
 * Stale windows for a response from its Cache-Control and the operator bounds. The origin's
 * `stale-while-revalidate` wins; otherwise the default applies, capped at the lifetime so a live
 * playlist (max-age=1) is never served more than one lifetime late. `stale-if-error` is the origin's
 * value or the bound, never more than the bound.
 *
 * @example staleWindows(parseCacheControl('max-age=1'), 1, { defaultStaleWhileRevalidateSec: 60, maxStaleIfErrorSec: 300 })
 *   // { staleWhileRevalidateSec: 1, staleIfErrorSec: 300 }
 */
export function staleWindows(
  directives: CacheDirectives,
  lifetimeSec: number,
  bounds: StaleBounds,
): { staleWhileRevalidateSec: number; staleIfErrorSec: number } {
  const swr = deltaSeconds(directives, 'stale-while-revalidate');
  const sie = deltaSeconds(directives, 'stale-if-error');
  const staleWhileRevalidateSec =
    typeof swr === 'number' ? swr : Math.min(bounds.defaultStaleWhileRevalidateSec, lifetimeSec);
  const staleIfErrorSec = Math.min(
    typeof sie === 'number' ? sie : bounds.maxStaleIfErrorSec,
    bounds.maxStaleIfErrorSec,
  );
  // must-revalidate / proxy-revalidate forbid serving stale at all (RFC 9111 §5.2.2.2, §5.2.2.8).
  if (directives.has('must-revalidate') || directives.has('proxy-revalidate')) {
    return { staleWhileRevalidateSec: 0, staleIfErrorSec: 0 };
  }
  return { staleWhileRevalidateSec, staleIfErrorSec };
}
