/**
 * Prefetch: warm the segments a media playlist is about to be asked for, and the object a player
 * announced with CMCD `nor`, before any viewer asks.
 *
 * Every prefetch is an ordinary fill started through the content route's `begin`, so it is
 * registered in the in-flight map: a viewer arriving mid-prefetch joins it (COALESCED) instead of
 * fetching again, and nothing already cached or in flight is ever fetched twice. Bounded three ways:
 * at most `perPlaylist` candidates per playlist version, at most `concurrency` prefetch fills at
 * once, and a short queue that drops (and counts) the excess. Must never affect a response: nothing
 * here writes to a client, and failures are only counted and logged at debug.
 */

import {
  cmcdPrefetchTarget,
  type PrefetchTarget,
  playlistPrefetchTargets,
} from '../../src/core/cache/prefetch-plan.ts';
import { decodeCmcdData } from '../../src/core/cmcd/parse.ts';
import { contentKindOf } from '../../src/core/hls/content-kind.ts';
import type { Logger } from '../log.ts';
import type { HotCounts } from '../metrics.ts';
import type { Fill } from './fill.ts';
import type { InFlight } from './in-flight.ts';
import type { CachedObject, ObjectStore } from './store.ts';

/** Prefetch settings (config.ts). */
export interface PrefetchOptions {
  /** Segments warmed per media playlist version; 0 disables playlist prefetch. */
  readonly perPlaylist: number;
  /** Prefetch the object named by CMCD `nor`. */
  readonly cmcd: boolean;
  /** Prefetch fills running at once. */
  readonly concurrency: number;
}

/** What the prefetcher needs from the shield. */
export interface PrefetchDeps {
  readonly store: ObjectStore;
  readonly inFlight: InFlight;
  /** Starts and registers a fill (the content route's own `begin`). */
  readonly begin: (key: string, pathAndQuery: string) => Fill;
  readonly counts: HotCounts;
  readonly logger: Logger;
}

/** The running prefetcher. */
export interface Prefetcher {
  /** A new version of a playlist was stored: warm its next segments. */
  playlistStored(playlistPath: string, object: CachedObject): void;
  /** A content request arrived: warm its CMCD `nor` target when enabled. */
  request(
    rawUrl: string,
    headers: Readonly<Record<string, string | string[] | undefined>>,
    path: string,
  ): void;
  /** A viewer got this object from the cache (counts the first use of a prefetched one). */
  servedObject(object: CachedObject): void;
  /** A viewer joined this fill (counts the first use of a prefetch fill). */
  servedFill(fill: Fill): void;
}

/** Queued beyond the running fills; more than this is dropped (a burst must not grow memory). */
const MAX_QUEUED = 64;
/** Larger "playlists" are not parsed for prefetch (real media playlists are far smaller). */
const MAX_PLAYLIST_BYTES = 2 * 1024 * 1024;

/**
 * Creates the prefetcher, or `undefined` when both triggers are off (the hit path then pays nothing).
 *
 * @example const prefetcher = createPrefetcher({ perPlaylist: 3, cmcd: false, concurrency: 4 }, deps);
 */
export function createPrefetcher(options: PrefetchOptions, deps: PrefetchDeps): Prefetcher | undefined {
  if (options.perPlaylist <= 0 && !options.cmcd) return undefined;
  if (!Number.isSafeInteger(options.concurrency) || options.concurrency < 1) {
    throw new TypeError(
      `createPrefetcher: concurrency must be a positive integer, got ${options.concurrency}`,
    );
  }
  const { store, inFlight, counts, logger } = deps;
  const queue: string[] = [];
  const queued = new Set<string>();
  // First use of what a prefetch fetched; weak so evicted objects and finished fills are not kept.
  const unusedObjects = new WeakSet<CachedObject>();
  const unusedFills = new WeakSet<Fill>();
  let active = 0;
  const decoder = new TextDecoder();

  const busy = (key: string): boolean =>
    store.peek(key) !== undefined || inFlight.get(key) !== undefined || store.cold?.has(key) === true;

  const pump = (): void => {
    while (active < options.concurrency) {
      const key = queue.shift();
      if (key === undefined) return;
      queued.delete(key);
      // Re-checked at start: a viewer may have fetched it while it waited.
      if (!busy(key)) start(key);
    }
  };

  const start = (key: string): void => {
    active++;
    counts.prefetchRequests++;
    const fill = deps.begin(key, key);
    unusedFills.add(fill);
    void fill.head.then((head) => {
      // Not storable (private, too large…): nobody asked for it, so stop fetching it.
      if (head.kind === 'stream' && !head.storable) head.body.abandonIfUnread();
    });
    void fill.done.then((object) => {
      active--;
      if (object === undefined) {
        counts.prefetchFailures++;
        if (logger.enabled('debug')) logger.debug('prefetch stored nothing', { path: key });
      } else if (unusedFills.has(fill)) {
        unusedObjects.add(object);
      }
      pump();
    });
  };

  const enqueue = (targets: readonly PrefetchTarget[]): void => {
    for (const { key } of targets) {
      const kind = contentKindOf(key.split('?', 1)[0] ?? key);
      // Segments and parts only: keys are per-viewer, playlists change too fast to be worth it.
      if ((kind !== 'segment' && kind !== 'part') || queued.has(key) || busy(key)) continue;
      if (queue.length >= MAX_QUEUED) {
        counts.prefetchDropped++;
        continue;
      }
      queue.push(key);
      queued.add(key);
    }
    pump();
  };

  return {
    playlistStored(playlistPath, object) {
      if (options.perPlaylist <= 0 || object.status !== 200 || object.body.byteLength > MAX_PLAYLIST_BYTES)
        return;
      enqueue(playlistPrefetchTargets(decoder.decode(object.body), playlistPath, options.perPlaylist));
    },
    request(rawUrl, headers, path) {
      if (!options.cmcd) return;
      const header = headers['cmcd-request'];
      if (!rawUrl.includes('CMCD=') && typeof header !== 'string') return;
      const data = decodeCmcdData(rawUrl, typeof header === 'string' ? { 'cmcd-request': header } : {});
      const target = cmcdPrefetchTarget(data.nor, path);
      if (target !== undefined) enqueue([target]);
    },
    servedObject(object) {
      if (unusedObjects.delete(object)) counts.prefetchHits++;
    },
    servedFill(fill) {
      if (unusedFills.delete(fill)) counts.prefetchHits++;
    },
  };
}
