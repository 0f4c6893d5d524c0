/**
 * Memory LRU in front of the disk tier, behind the one `ObjectStore` interface the routes use.
 *
 * `get` stays a memory-only lookup, so the hit path never waits on disk. Long-lived objects are
 * written through to disk when stored (so they survive restarts and memory eviction); on a memory
 * miss the content route asks `cold.load`, which reads the file once (concurrent callers share the
 * read) and promotes the object back into memory. Purge reaches both tiers through `keys`/`delete`.
 * Must not decide HTTP cacheability (policy.ts does); it only picks which stored objects go to disk.
 */
import type { DiskTier } from './disk-tier.ts';
import type { CachedObject, ColdTier, ObjectStore } from './store.ts';

/** Objects that live at least this long (freshness left when stored) are written to disk. */
export const DISK_MIN_LIFETIME_SEC = 3600;

/**
 * Whether an object is worth a disk write: a 200 with at least an hour of freshness left, which is
 * what packagers send for segments and init sections (`max-age=31536000, immutable`), never live
 * playlists or negative entries.
 *
 * @example diskEligible({ status: 200, freshForSec: 31536000, initialAgeSec: 0, … }) // true
 */
export function diskEligible(object: CachedObject): boolean {
  return object.status === 200 && object.freshForSec - object.initialAgeSec >= DISK_MIN_LIFETIME_SEC;
}

/**
 * Wraps `memory` with `disk`.
 *
 * @example const store = createTieredStore(createLruStore(4 << 30), await openDiskTier({ dir, maxBytes, logger }));
 */
export function createTieredStore(memory: ObjectStore, disk: DiskTier): ObjectStore {
  const cold: ColdTier = {
    has: (key) => disk.has(key),
    async load(key) {
      const object = await disk.load(key);
      if (object !== undefined && memory.peek(key) === undefined) memory.set(key, object);
      return object;
    },
    get usedBytes() {
      return disk.usedBytes;
    },
    get size() {
      return disk.size;
    },
  };
  return {
    get: (key) => memory.get(key),
    peek: (key) => memory.peek(key),
    set(key, object) {
      if (diskEligible(object)) disk.save(key, object);
      return memory.set(key, object);
    },
    delete(key) {
      const inMemory = memory.delete(key);
      return disk.delete(key) || inMemory;
    },
    *keys() {
      const seen = new Set<string>();
      for (const key of memory.keys()) {
        seen.add(key);
        yield key;
      }
      for (const key of [...disk.keys()]) if (!seen.has(key)) yield key;
    },
    cold,
    flush: () => disk.flush(),
    get evictions() {
      return memory.evictions;
    },
    get usedBytes() {
      return memory.usedBytes;
    },
    get maxBytes() {
      return memory.maxBytes;
    },
    get size() {
      return memory.size;
    },
  };
}
