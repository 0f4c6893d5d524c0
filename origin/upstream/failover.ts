/**
 * Ordered failover across packagers: try each target in turn on a connect error, a timeout or a
 * 5xx, and return the first usable response.
 *
 * Must not retry once a response body has started flowing (that belongs to the caller) and must not
 * retry 4xx: those are answers, not failures. A circuit breaker and hedging are later layers; they
 * wrap `Upstream` without changing its shape.
 */
import { ShieldError, upstreamFailure } from '../errors.ts';
import type { Logger } from '../log.ts';
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

/**
 * Composes targets into one failover upstream.
 *
 * @example const up = createFailoverUpstream([a, b], logger); const res = await up.fetch('/x.ts', {});
 */
export function createFailoverUpstream(targets: readonly UpstreamTarget[], logger: Logger): Upstream {
  if (targets.length === 0) throw new TypeError('createFailoverUpstream: at least one target is required');
  return {
    async fetch(pathAndQuery, headers) {
      let failure: ShieldError | undefined;
      for (const target of targets) {
        try {
          const res = await target.request(pathAndQuery, headers);
          if (res.status < 500) return res;
          res.body.resume(); // drain the small error body so the socket returns to the pool
          failure = new ShieldError('SHIELD_ERR_UPSTREAM_BAD_RESPONSE', `upstream answered ${res.status}`);
          logger.warn('upstream 5xx, failing over', {
            upstream: target.base,
            path: pathAndQuery,
            status: res.status,
          });
        } catch (e) {
          failure = upstreamFailure(e);
          logger.warn('upstream failed, failing over', {
            upstream: target.base,
            path: pathAndQuery,
            code: failure.code,
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

/**
 * The default upstream: one keep-alive pool per configured packager, in failover order.
 *
 * @example createUpstream(config.upstreams, config.upstreamTimeoutMs, logger)
 */
export function createUpstream(urls: readonly string[], timeoutMs: number, logger: Logger): Upstream {
  return createFailoverUpstream(
    urls.map((u) => createPoolTarget(u, { timeoutMs })),
    logger,
  );
}
