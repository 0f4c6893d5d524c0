/**
 * The shield's object store: a byte-bounded LRU of complete 200 responses held in memory.
 *
 * The `ObjectStore` interface is the seam the stream-while-fill store and a disk tier will
 * implement; callers only use get/set/delete and the byte counters. Must not decide cacheability
 * (policy.ts does) and must never hold a partial body: callers store only complete objects.
 */
import type { FreshnessFacts } from '../../src/core/cache/freshness.ts';

/**
 * A complete cached response, replayable without the upstream: a 200, or a negative 404/410 entry
 * (empty body) kept for the short negative TTL.
 */
export interface CachedObject extends FreshnessFacts {
  readonly status: 200 | 404 | 410;
  /** Replay headers (policy.ts `REPLAY_HEADERS`), lower-case names. */
  readonly headers: Readonly<Record<string, string>>;
  readonly body: Uint8Array;
}

/** Storage for complete objects with byte accounting. */
export interface ObjectStore {
  /** The object, marking it most recently used; `undefined` when absent. */
  get(key: string): CachedObject | undefined;
  /** The object without touching its recency (prefetch and disk checks must not keep objects alive). */
  peek(key: string): CachedObject | undefined;
  /** Stores (replacing any previous object), evicting least recently used ones; false if it can never fit. */
  set(key: string, object: CachedObject): boolean;
  delete(key: string): boolean;
  /** Current keys, least recently used first (purge by prefix walks them). */
  keys(): IterableIterator<string>;
  /** Objects dropped to make room since creation. */
  readonly evictions: number;
  /** Bytes currently accounted (bodies plus key and header overhead). */
  readonly usedBytes: number;
  readonly maxBytes: number;
  readonly size: number;
  /** A slower tier behind memory (the disk tier), consulted by the content route on a memory miss. */
  readonly cold?: ColdTier;
  /** Resolves once background writes (disk tier) have finished; called on shutdown. */
  flush?(): Promise<void>;
}

/** A tier that holds objects memory does not: asked asynchronously, never on the hit path. */
export interface ColdTier {
  has(key: string): boolean;
  /** The object (promoted into memory), or `undefined` when missing or unreadable. */
  load(key: string): Promise<CachedObject | undefined>;
  readonly usedBytes: number;
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
 * order: a hit re-inserts the key at the end, eviction takes from the front. The re-insert only
 * happens when the key is not already the most recent, so a hot object costs one lookup.
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
  let evictions = 0;
  let newest: string | undefined;

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
      if (newest !== key) {
        entries.delete(key);
        entries.set(key, entry);
        newest = key;
      }
      return entry.object;
    },
    peek: (key) => entries.get(key)?.object,
    set(key, object) {
      const bytes = objectBytes(key, object);
      remove(key);
      if (bytes > maxBytes) return false;
      for (const oldest of entries.keys()) {
        if (usedBytes + bytes <= maxBytes) break;
        remove(oldest);
        evictions++;
      }
      entries.set(key, { object, bytes });
      newest = key;
      usedBytes += bytes;
      return true;
    },
    delete: remove,
    keys: () => entries.keys(),
    get evictions() {
      return evictions;
    },
    get usedBytes() {
      return usedBytes;
    },
    maxBytes,
    get size() {
      return entries.size;
    },
  };
}
