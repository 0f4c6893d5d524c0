/**
 * The body of one upstream response shared by every waiter while it fills (stream-while-fill).
 *
 * Chunks are appended as they arrive; each reader keeps its own position and is woken by an event
 * (no polling). Readers never copy: they hand the same Buffers to their sockets. While the object is
 * retained (storable and within the per-object limit) nothing is ever dropped, so a slow reader just
 * lags and finishes from the completed bytes. Once retention stops (not storable, or grew past the
 * limit) chunks every reader has passed are freed, a reader more than `maxLagBytes` behind the
 * fastest one is dropped, and the upstream is paused when even the fastest reader falls that far
 * behind. Bytes held for retention are charged to a shared budget (SHIELD_INFLIGHT_BYTES): up front
 * when the length is declared, else chunk by chunk; a refused charge stops retention like the
 * per-object limit does. Must not write to sockets or stores: routes and fill.ts do.
 */

import type { ByteBudget } from '../../src/core/cache/byte-budget.ts';

/** Where the fill stands. */
export type BodyState = 'filling' | 'done' | 'failed';

/** One waiter's cursor over the shared chunks. */
export interface BodyReader {
  /** The next chunk this reader has not sent yet, advancing the cursor; `undefined` when caught up. */
  next(): Buffer | undefined;
  /** `failed` also when this reader was dropped for lagging. */
  readonly state: BodyState;
  /** Calls `wake` once, on the next chunk, end, failure or drop. */
  wait(wake: () => void): void;
  /** Detaches the reader (its socket closed). */
  close(): void;
}

/** Options fixed when the upstream headers arrive. */
export interface FillBodyOptions {
  /** Keep every chunk (the object will be stored) as long as the total stays within `retainLimit`. */
  readonly retain: boolean;
  readonly retainLimit: number;
  /** How far behind the fastest reader a reader may fall once chunks are no longer retained. */
  readonly maxLagBytes: number;
  /** Flow control of the upstream body (used only when nothing is retained). */
  readonly pause: () => void;
  readonly resume: () => void;
  /** Stops the upstream body (nobody can use the rest). */
  readonly cancel: () => void;
  /** Total bytes all retaining fills may hold (absent: only `retainLimit` bounds a fill). */
  readonly budget?: ByteBudget;
  /** Declared Content-Length: charged to the budget at once, so a fill that cannot fit never starts retaining. */
  readonly expectedBytes?: number;
}

/** Writer side, driven by fill.ts; reader side, used by each waiter. */
export interface FillBody {
  push(chunk: Buffer): void;
  end(): void;
  fail(): void;
  reader(onDrop: () => void): BodyReader;
  /** The complete body when every chunk was retained and the fill ended; else `undefined`. */
  complete(): Buffer | undefined;
  readonly state: BodyState;
  readonly received: number;
  /** True while every chunk since byte 0 is still held (late joiners can start from the top). */
  readonly retained: boolean;
  /** A new reader would get the whole body from byte 0. */
  readonly joinable: boolean;
  readonly readers: number;
  /** Fails the body and cancels the upstream when no reader is attached and nothing will be stored. */
  abandonIfUnread(): void;
}

interface Cursor {
  index: number;
  pos: number;
  dropped: boolean;
  wake: (() => void) | undefined;
  readonly onDrop: () => void;
}

/**
 * Creates an empty body.
 *
 * @example
 *   const body = createFillBody({ retain: true, retainLimit: 32 << 20, maxLagBytes: 8 << 20, pause, resume });
 *   upstream.on('data', (c) => body.push(c)); upstream.on('end', () => body.end());
 */
export function createFillBody(options: FillBodyOptions): FillBody {
  let chunks: Buffer[] = [];
  /** Absolute index of chunks[0] (chunks before it were freed). */
  let base = 0;
  let received = 0;
  let state: BodyState = 'filling';
  let retained = options.retain;
  let paused = false;
  let hadReader = false;
  const cursors = new Set<Cursor>();
  /** Bytes charged to the budget by this body. */
  let charged = 0;
  const charge = (bytes: number): boolean => {
    if (options.budget === undefined) return true;
    if (!options.budget.tryTake(bytes)) return false;
    charged += bytes;
    return true;
  };
  const uncharge = (): void => {
    if (charged > 0) options.budget?.give(charged);
    charged = 0;
  };
  const stopRetaining = (): void => {
    retained = false;
    uncharge();
  };
  if (retained && options.expectedBytes !== undefined && !charge(options.expectedBytes)) retained = false;

  const wakeAll = (): void => {
    for (const c of cursors) {
      const wake = c.wake;
      c.wake = undefined;
      wake?.();
    }
  };

  const fail = (): void => {
    if (state !== 'filling') return;
    state = 'failed';
    chunks = [];
    stopRetaining();
    wakeAll();
  };

  const drop = (c: Cursor): void => {
    c.dropped = true;
    cursors.delete(c);
    const wake = c.wake;
    c.wake = undefined;
    c.onDrop();
    wake?.();
  };

  /** Frees chunks behind the slowest reader, drops laggards, pauses when nobody keeps up. */
  const enforceWindow = (): void => {
    if (retained) return;
    if (cursors.size === 0) {
      // Nobody is reading and nothing will be stored: stop fetching.
      if (state === 'filling' && (hadReader || options.retain)) {
        fail();
        options.cancel();
      }
      return;
    }
    let fastest = 0;
    for (const c of cursors) fastest = Math.max(fastest, c.pos);
    for (const c of cursors) if (fastest - c.pos > options.maxLagBytes) drop(c);
    let slowest = Number.POSITIVE_INFINITY;
    for (const c of cursors) slowest = Math.min(slowest, c.index);
    const free = Math.min(slowest, base + chunks.length) - base;
    if (free > 0) {
      chunks = chunks.slice(free);
      base += free;
    }
    const lead = received - fastest;
    if (!paused && state === 'filling' && lead > options.maxLagBytes) {
      paused = true;
      options.pause();
    } else if (paused && lead <= options.maxLagBytes / 2) {
      paused = false;
      options.resume();
    }
  };

  return {
    push(chunk) {
      if (state !== 'filling') return;
      chunks.push(chunk);
      received += chunk.byteLength;
      if (retained && (received > options.retainLimit || (received > charged && !charge(received - charged))))
        stopRetaining();
      enforceWindow();
      wakeAll();
    },
    end() {
      if (state !== 'filling') return;
      state = 'done';
      // The complete bytes move to the store (which bounds them) right away: the fill holds nothing now.
      uncharge();
      wakeAll();
    },
    fail,
    reader(onDrop) {
      // A reader that cannot start at byte 0 would send a body with a hole: refuse it.
      const cursor: Cursor = { index: base, pos: 0, dropped: base !== 0, wake: undefined, onDrop };
      if (!cursor.dropped) {
        cursors.add(cursor);
        hadReader = true;
      }
      return {
        next() {
          if (cursor.dropped) return undefined;
          const chunk = chunks[cursor.index - base];
          if (chunk === undefined) return undefined;
          cursor.index++;
          cursor.pos += chunk.byteLength;
          if (!retained && (paused || cursor.index - base === 1)) enforceWindow();
          return chunk;
        },
        get state() {
          return cursor.dropped ? 'failed' : state;
        },
        wait(wake) {
          if (cursor.dropped || state === 'failed') {
            wake();
            return;
          }
          cursor.wake = wake;
        },
        close() {
          cursors.delete(cursor);
          cursor.wake = undefined;
          if (!retained) enforceWindow();
        },
      };
    },
    complete() {
      if (state !== 'done' || !retained) return undefined;
      return chunks.length === 1 && chunks[0] !== undefined ? chunks[0] : Buffer.concat(chunks, received);
    },
    get state() {
      return state;
    },
    get received() {
      return received;
    },
    get retained() {
      return retained;
    },
    get joinable() {
      return base === 0 && state !== 'failed';
    },
    abandonIfUnread() {
      if (cursors.size > 0 || retained || state !== 'filling') return;
      fail();
      options.cancel();
    },
    get readers() {
      return cursors.size;
    },
  };
}
