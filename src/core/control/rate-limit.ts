/**
 * Token-bucket rate limiting per API key, held in memory. Pure: the clock comes in as `nowMs`.
 *
 * Approximate by design: each Worker isolate keeps its own buckets, so a key spread over N isolates
 * may reach N × the limit. That bounds abuse of one key on one isolate cheaply; a global limit needs
 * the Workers Rate Limiting binding or a Durable Object. At most `maxKeys` buckets are kept (oldest
 * use evicted first), so memory stays bounded whatever keys are presented.
 */
export interface RateLimiter {
  /** Takes one token for `key`: undefined when allowed, else the seconds until one is available. */
  take(key: string, nowMs: number): number | undefined;
  /** Like `take` without taking: creates no bucket, so asking costs no memory. */
  peek(key: string, nowMs: number): number | undefined;
}

export interface RateLimitOptions {
  /** Tokens per minute, also the burst size. */
  readonly perMinute: number;
  readonly maxKeys?: number;
}

/** @example const rl = createRateLimiter({ perMinute: 600 }); rl.take('k1', now) // undefined */
export function createRateLimiter(options: RateLimitOptions): RateLimiter {
  if (!(options.perMinute > 0)) throw new TypeError('createRateLimiter: perMinute must be > 0');
  const capacity = options.perMinute;
  const perMs = options.perMinute / 60_000;
  const maxKeys = options.maxKeys ?? 10_000;
  // Map iteration order is insertion order: re-inserting on use makes the first entry the oldest.
  const buckets = new Map<string, { tokens: number; at: number }>();
  const retryAfterS = (tokens: number) =>
    tokens >= 1 ? undefined : Math.max(1, Math.ceil((1 - tokens) / perMs / 1000));
  return {
    peek(key, nowMs) {
      const b = buckets.get(key);
      return b && retryAfterS(Math.min(capacity, b.tokens + Math.max(0, nowMs - b.at) * perMs));
    },
    take(key, nowMs) {
      const b = buckets.get(key) ?? { tokens: capacity, at: nowMs };
      buckets.delete(key);
      b.tokens = Math.min(capacity, b.tokens + Math.max(0, nowMs - b.at) * perMs);
      b.at = nowMs;
      buckets.set(key, b);
      if (buckets.size > maxKeys) {
        const oldest = buckets.keys().next().value;
        if (oldest !== undefined) buckets.delete(oldest);
      }
      if (b.tokens >= 1) {
        b.tokens -= 1;
        return undefined;
      }
      return Math.max(1, Math.ceil((1 - b.tokens) / perMs / 1000));
    },
  };
}
