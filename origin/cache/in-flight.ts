/**
 * The registry of fills in progress by cache key: the heart of collapsed forwarding.
 *
 * A request that finds a fill for its key joins it instead of going upstream. Entries leave when the
 * fill ends, or earlier when its response cannot be shared with late joiners. Must not start
 * fetches itself (routes call `startFill`); one registry per shield instance, no module state.
 */
import type { Fill } from './fill.ts';

/** Tracks fills in progress by cache key. */
export interface InFlight {
  get(key: string): Fill | undefined;
  /** Registers `fill` for `key` until it is done (or `release`d). */
  track(key: string, fill: Fill): void;
  /** Removes `key` if `fill` is still the registered one (late joiners will start a new fill). */
  release(key: string, fill: Fill): void;
  keys(): IterableIterator<string>;
  readonly size: number;
}

/**
 * Creates an empty in-flight registry.
 *
 * @example
 *   const running = inFlight.get(key);
 *   if (!running) inFlight.track(key, startFill(deps, key, key, undefined));
 */
export function createInFlight(): InFlight {
  const fills = new Map<string, Fill>();
  const release = (key: string, fill: Fill): void => {
    if (fills.get(key) === fill) fills.delete(key);
  };
  return {
    get: (key) => fills.get(key),
    track(key, fill) {
      fills.set(key, fill);
      void fill.done.then(() => release(key, fill));
    },
    release,
    keys: () => fills.keys(),
    get size() {
      return fills.size;
    },
  };
}
