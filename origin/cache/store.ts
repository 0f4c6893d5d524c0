/**
 * The shield's object store: a byte-bounded LRU of complete 200 responses held in memory.
 *
 * The `ObjectStore` interface is the seam the stream-while-fill store and a disk tier will
 * implement; callers only use get/set/delete and the byte counters. Must not decide cacheability
 * (policy.ts does) and must never hold a partial body: callers store only complete objects.
 */

/** A complete cached response, replayable without the upstream. */
export interface CachedObject {
  /** Replay headers (policy.ts `REPLAY_HEADERS`), lower-case names. */
  readonly headers: Readonly<Record<string, string>>;
  readonly body: Uint8Array;
  /** Wall-clock ms when stored (from the injected clock). */
  readonly storedAt: number;
  /** Upstream `Age` at storage time, seconds. */
  readonly initialAgeSec: number;
  /** Freshness lifetime from s-maxage / max-age, seconds. */
  readonly freshForSec: number;
}

/** Storage for complete objects with byte accounting. */
export interface ObjectStore {
  /** The object, marking it most recently used; `undefined` when absent. */
  get(key: string): CachedObject | undefined;
  /** Stores (replacing any previous object), evicting least recently used ones; false if it can never fit. */
  set(key: string, object: CachedObject): boolean;
  delete(key: string): boolean;
  /** Bytes currently accounted (bodies plus key and header overhead). */
  readonly usedBytes: number;
  readonly maxBytes: number;
  readonly size: number;
}

/**
 * Bytes charged for one entry: body plus key and headers, so many tiny objects cannot exceed the
 * budget through their overhead.
 *
 * @example objectBytes('/a.ts', obj) // obj.body.byteLength + 5 + header bytes
 */
export function objectBytes(key: string, object: CachedObject): number {
  let n = object.body.byteLength + key.length;
  for (const [name, value] of Object.entries(object.headers)) n += name.length + value.length;
  return n;
}

/**
 * An in-memory LRU bounded by `maxBytes` (0 stores nothing). Map insertion order is the recency
 * order: a hit re-inserts the key at the end, eviction takes from the front.
 *
 * @example
 *   const store = createLruStore(256 * 1024 * 1024);
 *   store.set('/a.ts', obj); store.get('/a.ts');
 */
export function createLruStore(maxBytes: number): ObjectStore {
  if (!Number.isSafeInteger(maxBytes) || maxBytes < 0) {
    throw new TypeError(`createLruStore: maxBytes must be a non-negative integer, got ${maxBytes}`);
  }
  const entries = new Map<string, { object: CachedObject; bytes: number }>();
  let usedBytes = 0;

  const remove = (key: string): boolean => {
    const entry = entries.get(key);
    if (!entry) return false;
    entries.delete(key);
    usedBytes -= entry.bytes;
    return true;
  };

  return {
    get(key) {
      const entry = entries.get(key);
      if (!entry) return undefined;
      entries.delete(key);
      entries.set(key, entry);
      return entry.object;
    },
    set(key, object) {
      const bytes = objectBytes(key, object);
      remove(key);
      if (bytes > maxBytes) return false;
      for (const oldest of entries.keys()) {
        if (usedBytes + bytes <= maxBytes) break;
        remove(oldest);
      }
      entries.set(key, { object, bytes });
      usedBytes += bytes;
      return true;
    },
    delete: remove,
    get usedBytes() {
      return usedBytes;
    },
    maxBytes,
    get size() {
      return entries.size;
    },
  };
}
