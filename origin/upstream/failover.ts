/**
 * Ordered failover across packagers: try each target in turn on a connect error, a timeout, a 5xx
 * or an open circuit, and return the first usable response.
 *
 * Must not retry once a response body has started flowing (that belongs to the caller) and must not
 * retry 4xx: those are answers, not failures. Each packager sits behind a circuit breaker
 * (breaker.ts) that wraps `UpstreamTarget` without changing its shape.
 */
import { ShieldError, upstreamFailure } from '../errors.ts';
import type { Logger } from '../log.ts';
import { type BreakerState, withBreaker } from './breaker.ts';
import {
  createPoolTarget,
  type UpstreamHeaders,
  type UpstreamResponse,
  type UpstreamTarget,
} from './pool.ts';

/** What the shield's request path needs from "the origin", whatever sits behind it. */
export interface Upstream {
  /** Resolves with a non-5xx response or rejects with a classified `ShieldError`. */
  fetch(pathAndQuery: string, headers: UpstreamHeaders): Promise<UpstreamResponse>;
  close(force: boolean): Promise<void>;
}

/** Called after each attempt: packager, outcome (status or error code), seconds to headers. */
export type AttemptObserver = (upstream: string, outcome: string, seconds: number) => void;

/**
 * Composes targets into one failover upstream.
 *
 * @example const up = createFailoverUpstream([a, b], logger); const res = await up.fetch('/x.ts', {});
 */
export function createFailoverUpstream(
  targets: readonly UpstreamTarget[],
  logger: Logger,
  observe: AttemptObserver = () => {},
  now: () => number = Date.now,
): Upstream {
  if (targets.length === 0) throw new TypeError('createFailoverUpstream: at least one target is required');
  return {
    async fetch(pathAndQuery, headers) {
      let failure: ShieldError | undefined;
      for (const target of targets) {
        const t0 = now();
        try {
          const res = await target.request(pathAndQuery, headers);
          observe(target.base, String(res.status), (now() - t0) / 1000);
          if (res.status < 500) return res;
          res.body.resume(); // drain the small error body so the socket returns to the pool
          failure = new ShieldError('SHIELD_ERR_UPSTREAM_BAD_RESPONSE', `upstream answered ${res.status}`);
          logger.warn('upstream 5xx, failing over', {
            upstream: target.base,
            path: pathAndQuery,
            status: res.status,
          });
        } catch (e) {
          const classified = upstreamFailure(e);
          observe(target.base, classified.code, (now() - t0) / 1000);
          // An open circuit is a skip, not news: keep the real failure if there was one.
          if (classified.code === 'SHIELD_ERR_UPSTREAM_CIRCUIT_OPEN') {
            failure ??= classified;
            continue;
          }
          failure = classified;
          logger.warn('upstream failed, failing over', {
            upstream: target.base,
            path: pathAndQuery,
            code: classified.code,
            cause: e instanceof Error ? e.message : String(e),
          });
        }
      }
      throw failure ?? new ShieldError('SHIELD_ERR_UPSTREAM_UNREACHABLE', 'no upstream answered');
    },
    async close(force) {
      await Promise.all(targets.map((t) => t.close(force)));
    },
  };
}

/** Settings for the default upstream. */
export interface UpstreamOptions {
  readonly timeoutMs: number;
  readonly breakerFailures: number;
  readonly breakerCooldownMs: number;
  readonly now: () => number;
  readonly observe?: AttemptObserver;
  readonly onBreakerState?: (base: string, state: BreakerState) => void;
}

/**
 * The default upstream: one keep-alive pool per configured packager, each behind a circuit
 * breaker, in failover order.
 *
 * @example createUpstream(config.upstreams, { timeoutMs: 10_000, breakerFailures: 5, breakerCooldownMs: 5000, now: Date.now }, logger)
 */
export function createUpstream(urls: readonly string[], options: UpstreamOptions, logger: Logger): Upstream {
  const targets = urls.map((u) =>
    withBreaker(createPoolTarget(u, { timeoutMs: options.timeoutMs }), {
      failures: options.breakerFailures,
      cooldownMs: options.breakerCooldownMs,
      now: options.now,
      onStateChange: (base, state) => {
        logger.warn('upstream circuit state', { upstream: base, state });
        options.onBreakerState?.(base, state);
      },
    }),
  );
  return createFailoverUpstream(targets, logger, options.observe, options.now);
}
