/**
 * The byte budget for bodies held by fills in flight (SHIELD_INFLIGHT_BYTES).
 *
 * A fill that will be stored keeps every chunk until it completes; without a total bound, N
 * concurrent distinct misses could each hold up to SHIELD_MAX_OBJECT_BYTES and push RSS past the
 * cache bound plus overhead. Fills charge what they hold here; a fill refused a charge stops
 * retaining (it streams through with bounded lag and is not stored this time). Pure accounting:
 * must not free or touch chunks itself (fill-body.ts does) and never fails a request.
 */

/** Shared across every fill of one shield. */
export interface RetentionBudget {
  /** Charges `bytes` if they fit under the limit; false (and nothing charged) if not. */
  tryTake(bytes: number): boolean;
  /** Returns bytes charged earlier. */
  give(bytes: number): void;
  readonly limit: number;
  /** Bytes charged now. */
  readonly used: number;
  /** Highest `used` ever seen (a test and metric hook: it must never exceed `limit`). */
  readonly peak: number;
  /** Charges refused (each makes one fill stop retaining). */
  readonly refused: number;
}

/**
 * Creates a budget of `limitBytes`.
 *
 * @example
 *   const budget = createRetentionBudget(256 * 2 ** 20);
 *   if (!budget.tryTake(chunk.byteLength)) stopRetaining(); // … later: budget.give(held)
 */
export function createRetentionBudget(limitBytes: number): RetentionBudget {
  if (!Number.isSafeInteger(limitBytes) || limitBytes < 0) {
    throw new TypeError(`retention limit must be a non-negative integer, got ${limitBytes}`);
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
