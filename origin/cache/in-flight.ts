/**
 * Minimal request coalescing: concurrent misses for one key wait for the first fill to settle,
 * then look in the store again.
 *
 * A placeholder for stream-while-fill (waiters will then read bytes as they arrive instead of
 * waiting for the end). Must not reject waiters: a failed fill just lets them go upstream.
 */

/** Tracks fills in progress by cache key. */
export interface InFlight {
  /** A promise that settles when the fill for `key` ends, or `undefined` when none is running. */
  pending(key: string): Promise<void> | undefined;
  /** Registers `work` as the fill for `key` until it settles. */
  track(key: string, work: Promise<unknown>): void;
  readonly size: number;
}

/**
 * Creates an empty in-flight registry (one per shield instance; no module state).
 *
 * @example
 *   const wait = inFlight.pending(key);
 *   if (wait) await wait; else inFlight.track(key, fill());
 */
export function createInFlight(): InFlight {
  const fills = new Map<string, Promise<void>>();
  return {
    pending: (key) => fills.get(key),
    track(key, work) {
      const settled = work.then(
        () => undefined,
        () => undefined,
      );
      fills.set(key, settled);
      void settled.then(() => {
        if (fills.get(key) === settled) fills.delete(key);
      });
    },
    get size() {
      return fills.size;
    },
  };
}
