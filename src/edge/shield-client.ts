/**
 * Edge → shield requests: deadline, authentication and failover across the configured shields.
 *
 * Builds every request from scratch: only the normalised path plus the content query travels, with
 * our own headers. Must never forward anything from the viewer's request (Authorization, Cookie,
 * token query, Range, CMCD): the shield keys and logs what it receives, and tokens stay at the edge.
 */
import { rendezvousOrder } from '../core/cache/rendezvous.ts';
import { SHIELD_AUTH_HEADER } from '../core/http/shield-contract.ts';
import { EdgeError } from './errors.ts';

/**
 * The order in which shields are tried for one object. The default is DESIGN.md's rendezvous
 * (highest-random-weight) hash over the cache key, so one object lives on one shield and adding a
 * shield moves only ~1/N of the keys (src/core/cache/rendezvous.ts).
 */
export type ShieldOrder = (cacheKey: string, shields: readonly string[]) => readonly string[];

export const configuredOrder: ShieldOrder = (_cacheKey, shields) => shields;

/** Rendezvous order of the shields for a cache key (the default). */
export const rendezvousShieldOrder: ShieldOrder = (cacheKey, shields) => rendezvousOrder(cacheKey, shields);

export interface ShieldClientOptions {
  readonly shieldUrls: readonly string[];
  readonly sharedSecret: string | undefined;
  readonly timeoutMs: number;
  readonly fetch: typeof fetch;
  readonly order?: ShieldOrder;
  /** Told about each failed attempt before the next shield is tried (logging). */
  readonly onAttemptFailed?: (shield: string, reason: string) => void;
  /**
   * Health memory: a shield that failed is tried last (not skipped: it may be the only one left)
   * for this long, so one dead shield costs one timeout per isolate, not one per request. 0 = off.
   */
  readonly cooldownMs?: number;
  /** Clock for the health memory; required when cooldownMs > 0. */
  readonly now?: () => number;
}

export interface ShieldRequest {
  /** Normalised path plus content query, e.g. `/live/index.m3u8?_HLS_msn=5`. */
  readonly pathAndQuery: string;
  /** The cache key, for shield selection only; never sent. */
  readonly cacheKey: string;
}

export interface ShieldClient {
  /**
   * GET from the first shield that answers 2xx or 4xx other than 401/403. Throws
   * EDGE_ERR_SHIELD_TIMEOUT when the last attempt ran out of time, EDGE_ERR_SHIELD_UNREACHABLE
   * otherwise. The returned body is still bound to the attempt's deadline, and a read that fails
   * mid-body rejects with an EdgeError too: EDGE_ERR_SHIELD_TIMEOUT when the deadline fired,
   * EDGE_ERR_SHIELD_UNREACHABLE when the shield cut the body.
   */
  get(request: ShieldRequest): Promise<Response>;
}

/**
 * @example
 *   const shield = createShieldClient({ shieldUrls: ['http://127.0.0.1:8081'], sharedSecret: undefined,
 *     timeoutMs: 10_000, fetch });
 *   const res = await shield.get({ pathAndQuery: '/vod/a.ts', cacheKey: 'https://edge/vod/a.ts' });
 */
export function createShieldClient(options: ShieldClientOptions): ShieldClient {
  if (options.shieldUrls.length === 0) throw new TypeError('createShieldClient: shieldUrls is empty');
  if (!Number.isSafeInteger(options.timeoutMs) || options.timeoutMs <= 0) {
    throw new TypeError(`createShieldClient: timeoutMs must be a positive integer, got ${options.timeoutMs}`);
  }
  const order = options.order ?? rendezvousShieldOrder;
  const cooldownMs = options.cooldownMs ?? 0;
  const now = options.now ?? (() => 0);
  // Per-client (per-isolate) memory: shield → instant until which it counts as failed.
  const failedUntil = new Map<string, number>();
  const markFailed = (shield: string) => {
    if (cooldownMs > 0) failedUntil.set(shield, now() + cooldownMs);
  };
  const healthyFirst = (shields: readonly string[]): readonly string[] => {
    if (failedUntil.size === 0) return shields;
    const at = now();
    const cooling = (s: string) => (failedUntil.get(s) ?? 0) > at;
    return [...shields.filter((s) => !cooling(s)), ...shields.filter(cooling)];
  };
  const doFetch = options.fetch;
  const headers: Record<string, string> = {};
  if (options.sharedSecret !== undefined) headers[SHIELD_AUTH_HEADER] = options.sharedSecret;

  return {
    async get(request) {
      let lastFailure: EdgeError | undefined;
      for (const shield of healthyFirst(order(request.cacheKey, options.shieldUrls))) {
        // One deadline per attempt, covering headers and body: a shield that stalls mid-body must
        // not hold the viewer (or the cache fill) forever. Worst case is shields × timeoutMs.
        const signal = AbortSignal.timeout(options.timeoutMs);
        let response: Response;
        try {
          response = await doFetch(`${shield}${request.pathAndQuery}`, {
            method: 'GET',
            headers,
            signal,
            redirect: 'manual',
          });
        } catch (cause) {
          const timedOut = signal.aborted;
          lastFailure = new EdgeError(
            timedOut ? 'EDGE_ERR_SHIELD_TIMEOUT' : 'EDGE_ERR_SHIELD_UNREACHABLE',
            timedOut
              ? `shield ${shield} did not answer within ${options.timeoutMs} ms`
              : `shield ${shield} unreachable`,
            { cause },
          );
          markFailed(shield);
          options.onAttemptFailed?.(shield, lastFailure.message);
          continue;
        }
        const refused = response.status === 401 || response.status === 403;
        // A redirect would hand the viewer a shield address; shields never redirect, so it is a fault.
        const redirected = response.status >= 300 && response.status < 400;
        if (response.status < 500 && !refused && !redirected) {
          failedUntil.delete(shield);
          return withCodedBodyErrors(response, signal, shield, options.timeoutMs);
        }
        await response.body?.cancel();
        // 401/403 means the edge's credentials are wrong (SHIELD_SHARED_SECRET mismatch), not that
        // the viewer may not watch: passing it on would make players report an auth failure that
        // no viewer can fix. Treat it as this shield being unusable and try the next one.
        lastFailure = new EdgeError(
          'EDGE_ERR_SHIELD_UNREACHABLE',
          refused
            ? `shield ${shield} refused the edge's credentials (${response.status}); check SHIELD_SHARED_SECRET`
            : `shield ${shield} answered ${response.status}`,
        );
        markFailed(shield);
        options.onAttemptFailed?.(shield, lastFailure.message);
      }
      throw lastFailure ?? new EdgeError('EDGE_ERR_SHIELD_UNREACHABLE', 'no shield configured');
    },
  };
}

/**
 * The shield's response with its body errors given our codes: the runtime rejects a read past the
 * deadline with a bare TimeoutError and a cut connection with a TypeError, which callers would log
 * as EDGE_ERR_INTERNAL. Chunks pass through untouched, one read per pull.
 */
function withCodedBodyErrors(
  response: Response,
  signal: AbortSignal,
  shield: string,
  timeoutMs: number,
): Response {
  if (response.body === null) return response;
  const reader = response.body.getReader();
  const body = new ReadableStream<Uint8Array>(
    {
      async pull(controller) {
        let next: ReadableStreamReadResult<Uint8Array>;
        try {
          next = await reader.read();
        } catch (cause) {
          controller.error(
            signal.aborted
              ? new EdgeError(
                  'EDGE_ERR_SHIELD_TIMEOUT',
                  `shield ${shield} stalled mid-body past ${timeoutMs} ms`,
                  {
                    cause,
                  },
                )
              : new EdgeError('EDGE_ERR_SHIELD_UNREACHABLE', `shield ${shield} cut the body`, { cause }),
          );
          return;
        }
        if (next.done) controller.close();
        else controller.enqueue(next.value);
      },
      cancel: (reason) => reader.cancel(reason),
    },
    { highWaterMark: 0 },
  );
  return new Response(body, {
    status: response.status,
    statusText: response.statusText,
    headers: response.headers,
  });
}
