/**
 * Readiness of one shield for `/readyz` (issue 12): not ready while starting, while draining (after
 * `close()` began), or while every packager's circuit is open. `/healthz` stays liveness only.
 *
 * Fed by the server (phase changes) and by the breakers (state changes); the clock comes in as `now`.
 * Must not probe packagers itself and must not change what the content path does.
 */
import type { BreakerState } from './upstream/breaker.ts';

/** Why the shield is not ready; each has a fixed message in the 503 body. */
export type NotReadyReason = 'starting' | 'draining' | 'upstreams-down';

/** Fixed texts for the 503 body's `message` (the code is always SHIELD_ERR_NOT_READY). */
export const NOT_READY_MESSAGES: Readonly<Record<NotReadyReason, string>> = Object.freeze({
  starting: 'starting',
  draining: 'draining',
  'upstreams-down': 'every packager circuit is open',
});

/** The readiness state of one shield. */
export interface Readiness {
  /** Everything is wired and the listener accepts. */
  markReady(): void;
  /** `close()` began: load balancers should stop sending new work. */
  markDraining(): void;
  /** A packager's breaker changed state (failover.ts `onBreakerState`). */
  breakerState(base: string, state: BreakerState): void;
  /** `undefined` when ready, else why not. */
  check(): NotReadyReason | undefined;
}

/**
 * Builds the readiness state for the configured packagers.
 *
 * @example
 *   const readiness = createReadiness(config.upstreams, config.breakerCooldownMs, Date.now);
 *   readiness.markReady(); readiness.check() // undefined
 */
export function createReadiness(
  upstreams: readonly string[],
  cooldownMs: number,
  now: () => number,
): Readiness {
  const targets = new Set(upstreams).size;
  let phase: 'starting' | 'ready' | 'draining' = 'starting';
  // Packager base → when its circuit opened. A breaker stays 'open' past its cooldown until a request
  // probes it, and a not-ready shield gets no requests: so an open circuit counts only during its
  // cooldown, or the shield could never become ready again.
  const openedAt = new Map<string, number>();
  return {
    markReady() {
      if (phase === 'starting') phase = 'ready';
    },
    markDraining() {
      phase = 'draining';
    },
    breakerState(base, state) {
      if (state === 'open') openedAt.set(base, now());
      else openedAt.delete(base);
    },
    check() {
      if (phase !== 'ready') return phase;
      if (targets === 0 || openedAt.size < targets) return undefined;
      const t = now();
      for (const at of openedAt.values()) if (t - at >= cooldownMs) return undefined;
      return 'upstreams-down';
    },
  };
}
