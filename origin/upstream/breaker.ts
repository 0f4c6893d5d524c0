/**
 * A circuit breaker around one packager target: after `failures` consecutive failures (connect
 * error, timeout, 5xx, or a body that fails mid-way) the target is skipped for `cooldownMs`; then one probe request is let
 * through (half-open) and its result closes or re-opens the circuit.
 *
 * Wraps `UpstreamTarget` without changing its shape, so failover stays unaware of it. The clock comes
 * in as `now`. Must not retry or classify errors beyond "failure or not".
 */
import { ShieldError } from '../errors.ts';
import type { UpstreamTarget } from './pool.ts';

/** Breaker states; the numbers are what `shield_breaker_state` reports. */
export const BREAKER_STATES = { closed: 0, 'half-open': 1, open: 2 } as const;
export type BreakerState = keyof typeof BREAKER_STATES;

/** Breaker settings. */
export interface BreakerOptions {
  /** Consecutive failures that open the circuit; 0 disables the breaker. */
  readonly failures: number;
  readonly cooldownMs: number;
  readonly now: () => number;
  readonly onStateChange?: (base: string, state: BreakerState) => void;
}

/** A target whose breaker state can be read. */
export interface GuardedTarget extends UpstreamTarget {
  readonly state: BreakerState;
}

/**
 * Wraps `target` in a breaker.
 *
 * @example const guarded = withBreaker(createPoolTarget(url, { timeoutMs }), { failures: 5, cooldownMs: 5000, now: Date.now });
 */
export function withBreaker(target: UpstreamTarget, options: BreakerOptions): GuardedTarget {
  if (!Number.isSafeInteger(options.failures) || options.failures < 0) {
    throw new TypeError(`withBreaker: failures must be a non-negative integer, got ${options.failures}`);
  }
  let state: BreakerState = 'closed';
  let consecutive = 0;
  let openedAt = 0;
  let probing = false;
  const set = (next: BreakerState): void => {
    if (next === state) return;
    state = next;
    options.onStateChange?.(target.base, next);
  };
  const failed = (): void => {
    consecutive++;
    if (state === 'half-open' || (options.failures > 0 && consecutive >= options.failures)) {
      openedAt = options.now();
      set('open');
    }
  };
  return {
    base: target.base,
    get state() {
      return state;
    },
    async request(pathAndQuery, headers) {
      if (state === 'open') {
        if (options.now() - openedAt < options.cooldownMs) throw circuitOpen();
        set('half-open');
      }
      let probe = false;
      if (state === 'half-open') {
        // Exactly one probe at a time; everyone else keeps failing over.
        if (probing) throw circuitOpen();
        probing = true;
        probe = true;
      }
      try {
        const res = await target.request(pathAndQuery, headers);
        if (res.status >= 500) failed();
        else {
          set('closed');
          // Only a complete body proves the packager healthy: a reset or body timeout mid-way counts as
          // a failure (a packager that truncates every body must open its circuit too). A body the
          // shield itself cancels emits neither event and counts as nothing.
          res.body.once('end', () => {
            consecutive = 0;
          });
          res.body.once('error', failed);
        }
        return res;
      } catch (e) {
        failed();
        throw e;
      } finally {
        if (probe) probing = false;
      }
    },
    close: (force) => target.close(force),
  };
}

function circuitOpen(): ShieldError {
  return new ShieldError('SHIELD_ERR_UPSTREAM_CIRCUIT_OPEN', 'upstream circuit open');
}
