/**
 * A byte budget for bodies held by fetches in flight: the shield's SHIELD_INFLIGHT_BYTES and an edge
 * isolate's CACHE_INFLIGHT_BYTES.
 *
 * A fetch whose body will be stored (or replayed to late joiners) keeps every chunk until it
 * completes; without a total bound, N concurrent distinct misses could each hold a whole object and
 * push memory past its limit (a shield's RSS bound, an isolate's 128 MB). Fetches charge what they
 * hold here; one refused a charge stops retaining. Pure accounting: must not free or touch chunks
 * itself and never fails a request.
 */

/** Shared across every fetch of one shield or one isolate. */
export interface ByteBudget {
  /** Charges `bytes` if they fit under the limit; false (and nothing charged) if not. */
  tryTake(bytes: number): boolean;
  /** Returns bytes charged earlier. */
  give(bytes: number): void;
  readonly limit: number;
  /** Bytes charged now. */
  readonly used: number;
  /** Highest `used` ever seen (a test and metric hook: it must never exceed `limit`). */
  readonly peak: number;
  /** Charges refused (each makes one fetch stop retaining). */
  readonly refused: number;
}

/**
 * Creates a budget of `limitBytes`.
 *
 * @example
 *   const budget = createByteBudget(256 * 2 ** 20);
 *   if (!budget.tryTake(chunk.byteLength)) stopRetaining(); // … later: budget.give(held)
 */
export function createByteBudget(limitBytes: number): ByteBudget {
  if (!Number.isSafeInteger(limitBytes) || limitBytes < 0) {
    throw new TypeError(`byte budget must be a non-negative integer, got ${limitBytes}`);
  }
  let used = 0;
  let peak = 0;
  let refused = 0;
  return {
    tryTake(bytes) {
      if (used + bytes > limitBytes) {
        refused++;
        return false;
      }
      used += bytes;
      if (used > peak) peak = used;
      return true;
    },
    give(bytes) {
      used = Math.max(0, used - bytes);
    },
    limit: limitBytes,
    get used() {
      return used;
    },
    get peak() {
      return peak;
    },
    get refused() {
      return refused;
    },
  };
}
