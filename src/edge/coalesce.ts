/**
 * Single-flight per cache key inside one isolate: concurrent misses for one object make one shield
 * request, and every waiter streams the body as it arrives (the Cache API coalesces nothing itself).
 * The leader's request pumps the shield body (in its `waitUntil`, so the fill survives its viewer
 * hanging up) into a chunk list; each waiter reads it through its own cursor, as a ReadableStream made
 * in its own request. Only bytes and promises cross request contexts, never a stream (workerd forbids
 * it). The key is released after `finish` (the cache put), so a request arriving between "body
 * complete" and "object stored" still joins instead of missing again.
 *
 * Memory: an isolate has 128 MB, so bytes retained for late joiners are charged to one budget
 * (CACHE_INFLIGHT_BYTES): up front when the length is declared, else chunk by chunk. A flight refused
 * a charge gives its bytes back and stops being joinable; the waiters already attached keep
 * streaming, chunks they have all read are freed, and the upstream is read only while the slowest is
 * under MAX_LAG_BYTES behind. It is not stored (`finish` is not called): storing needs the whole body,
 * and a body streamed into the cache can be committed truncated when the upstream fails midway (the
 * local runtime does), while a miss costs only one more shield fetch.
 * Must not know about cache policy, HTTP ranges or logging.
 */
import { type ByteBudget, createByteBudget } from '../core/cache/byte-budget.ts';

/** How far the upstream may run ahead of the slowest reader of a flight that no longer retains. */
export const MAX_LAG_BYTES = 256 * 1024;

/** Status and headers of the one upstream answer, shared by every waiter. */
export interface FlightHead {
  readonly status: number;
  readonly headers: Headers;
}

/** One waiter's view of a flight. */
export interface Flight {
  /** Upstream status and headers; rejects when the upstream request failed. */
  readonly head: Promise<FlightHead>;
  /**
   * The whole body, shared by every waiter, once complete; `undefined` as soon as the flight stopped
   * retaining (read `stream()` instead); rejects when it failed midway.
   */
  whole(): Promise<Uint8Array | undefined>;
  /** This waiter's body from byte 0, following the upstream as it arrives. At most once. */
  stream(): ReadableStream<Uint8Array>;
  /** Detaches a waiter that will not read `stream()` (HEAD, errors), so it holds no bytes back. */
  release(): void;
}

export interface Joined {
  readonly flight: Flight;
  /** True for the request that started the upstream fetch (x-cache MISS); false joins (COALESCED). */
  readonly leader: boolean;
  /** Settles when the body is complete and `finish` ran; the leader passes it to `waitUntil`. */
  readonly settled: Promise<void>;
}

/** Reported once per flight that was refused retention. */
export interface RetentionRefusal {
  readonly key: string;
  /** What the flight asked for: its declared length, or the bytes received so far. */
  readonly wantedBytes: number;
  /** Budget in use by other flights when it was refused. */
  readonly inflightBytes: number;
  readonly limitBytes: number;
  /** Refusals so far in this isolate. */
  readonly refusedTotal: number;
}

export interface CoalescerOptions {
  /** Shared by every flight; absent: unbounded (tests of other behaviour). */
  readonly budget?: ByteBudget;
  /** Called once per flight refused retention (app.ts logs it). */
  readonly onRefused?: (refusal: RetentionRefusal) => void;
}

export interface Coalescer {
  /**
   * Joins the flight for `key`, or starts one with `start`. `finish` runs once with the complete
   * body (to store it) before the key is released, only if the flight retained it; its failure is
   * the caller's to log.
   */
  join(
    key: string,
    start: () => Promise<Response>,
    finish: (head: FlightHead, body: Uint8Array) => Promise<void>,
  ): Joined;
  /** Whether a joinable flight for `key` is in progress (a background refresh checks first). */
  has(key: string): boolean;
  /** Joinable flights in progress. */
  readonly size: number;
  readonly budget: ByteBudget;
}

interface Deferred<T> {
  readonly promise: Promise<T>;
  resolve(value: T): void;
  reject(reason: unknown): void;
}

function deferred<T>(): Deferred<T> {
  let resolve: (value: T) => void = () => undefined;
  let reject: (reason: unknown) => void = () => undefined;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  // Waiters may never look (a HEAD, a viewer that hung up): no unhandled rejection for them.
  promise.catch(() => undefined);
  return { promise, resolve, reject };
}

/** A promise renewed on every `fire`: whoever awaited `next()` before it wakes up. */
function signal(): { next(): Promise<void>; fire(): void } {
  let current = deferred<void>();
  return {
    next: () => current.promise,
    fire() {
      const fired = current;
      current = deferred<void>();
      fired.resolve();
    },
  };
}

/** @example const coalescer = createCoalescer({ budget }); const { flight, leader } = coalescer.join(key, start, store); */
export function createCoalescer(options: CoalescerOptions = {}): Coalescer {
  const budget = options.budget ?? createByteBudget(Number.MAX_SAFE_INTEGER);
  const flights = new Map<string, FlightState>();
  return {
    join(key, start, finish) {
      const existing = flights.get(key);
      if (existing) return { flight: existing.attach(), leader: false, settled: existing.settled };
      // The map holds `entry`; a refused flight leaves it at once, a settled one when `finish` ran.
      const release = () => {
        if (flights.get(key) === entry) flights.delete(key);
      };
      const state = startFlight(start, finish, budget, (wantedBytes) => {
        release();
        options.onRefused?.({
          key,
          wantedBytes,
          inflightBytes: budget.used,
          limitBytes: budget.limit,
          refusedTotal: budget.refused,
        });
      });
      const entry: FlightState = { attach: state.attach, settled: state.settled.finally(release) };
      entry.settled.catch(() => undefined);
      flights.set(key, entry);
      return { flight: entry.attach(), leader: true, settled: entry.settled };
    },
    has: (key) => flights.has(key),
    get size() {
      return flights.size;
    },
    budget,
  };
}

interface FlightState {
  readonly settled: Promise<void>;
  attach(): Flight;
}

interface Cursor {
  /** Absolute index of the next chunk to read. */
  index: number;
  /** Bytes read so far. */
  pos: number;
  attached: boolean;
}

function startFlight(
  start: () => Promise<Response>,
  finish: (head: FlightHead, body: Uint8Array) => Promise<void>,
  budget: ByteBudget,
  onRefused: (wantedBytes: number) => void,
): FlightState {
  const head = deferred<FlightHead>();
  const whole = deferred<Uint8Array | undefined>();
  let chunks: Uint8Array[] = [];
  /** Absolute index of chunks[0]; chunks before it were freed once retention stopped. */
  let base = 0;
  let received = 0;
  let charged = 0;
  let retained = true;
  let state: 'open' | 'done' | 'failed' = 'open';
  let failure: unknown;
  const cursors = new Set<Cursor>();
  /** New bytes, end or failure (readers wait on it); a reader moved or left (the pump waits on it). */
  const changed = signal();
  const advanced = signal();
  /** Resolved when a flight that no longer retains has no reader left (nobody needs the rest). */
  const deserted = deferred<undefined>();
  const notify = changed.fire;
  const notifyAdvanced = advanced.fire;
  const charge = (bytes: number): boolean => {
    if (!budget.tryTake(bytes)) return false;
    charged += bytes;
    return true;
  };

  /** Once retention stops, nothing before the slowest attached reader is needed by anyone. */
  const freeBehind = () => {
    if (retained) return;
    let slowest = base + chunks.length;
    for (const c of cursors) slowest = Math.min(slowest, c.index);
    if (slowest > base) {
      chunks = chunks.slice(slowest - base);
      base = slowest;
    }
  };
  const detach = (cursor: Cursor) => {
    if (!cursor.attached) return;
    cursor.attached = false;
    cursors.delete(cursor);
    freeBehind();
    notifyAdvanced();
    // Only the pump may cancel the upstream: it belongs to the leader's request context.
    if (!retained && cursors.size === 0) deserted.resolve(undefined);
  };
  const attach = (): Cursor => {
    const cursor: Cursor = { index: base, pos: 0, attached: true };
    cursors.add(cursor);
    return cursor;
  };
  const streamOf = (cursor: Cursor) =>
    new ReadableStream<Uint8Array>({
      async pull(controller) {
        for (;;) {
          const chunk = cursor.attached ? chunks[cursor.index - base] : undefined;
          if (chunk !== undefined) {
            cursor.index += 1;
            cursor.pos += chunk.byteLength;
            freeBehind();
            notifyAdvanced();
            controller.enqueue(chunk);
            return;
          }
          if (state === 'done' || !cursor.attached) {
            detach(cursor);
            return controller.close();
          }
          if (state === 'failed') {
            detach(cursor);
            return controller.error(failure);
          }
          await changed.next();
        }
      },
      cancel() {
        detach(cursor);
      },
    });

  const refuse = (wantedBytes: number) => {
    retained = false;
    budget.give(charged);
    charged = 0;
    onRefused(wantedBytes);
    whole.resolve(undefined);
    freeBehind();
    if (cursors.size === 0) deserted.resolve(undefined);
    notify();
  };
  const fail = (error: unknown) => {
    state = 'failed';
    failure = error;
    chunks = [];
    head.reject(error);
    whole.reject(error);
    notify();
  };

  const pump = async (): Promise<void> => {
    let response: Response;
    try {
      response = await start();
    } catch (error) {
      fail(error);
      throw error;
    }
    const flightHead = { status: response.status, headers: response.headers };
    const declared = declaredLength(response.headers);
    if (declared !== undefined && !charge(declared)) refuse(declared);
    head.resolve(flightHead);
    try {
      if (response.body !== null) {
        const reader = response.body.getReader();
        for (;;) {
          // Not retaining: read on only as fast as the slowest attached waiter reads.
          while (!retained && cursors.size > 0 && received - slowestPos(cursors) > MAX_LAG_BYTES) {
            await advanced.next();
          }
          const read = reader.read();
          read.catch(() => undefined);
          // Raced only when not retaining: a retained flight is never deserted (the cache wants it).
          const next = retained ? await read : await Promise.race([read, deserted.promise]);
          if (next === undefined) {
            // Nobody is reading and nothing will be stored: stop fetching.
            await reader.cancel();
            fail(new Error('every waiter left a flight that was not retained'));
            return;
          }
          const { value, done } = next;
          if (done) break;
          chunks.push(value);
          received += value.byteLength;
          if (retained && received > charged && !charge(received - charged)) refuse(received);
          notify();
        }
      }
    } catch (error) {
      fail(error);
      throw error;
    }
    state = 'done';
    notify();
    if (!retained) return;
    const bytes = concat(chunks);
    whole.resolve(bytes);
    notify();
    await finish(flightHead, bytes);
  };

  // Bytes go back when the flight settles or fails, whatever happened.
  const settled = pump().finally(() => {
    budget.give(charged);
    charged = 0;
  });
  return {
    settled,
    attach() {
      const cursor = attach();
      let streamed = false;
      return {
        head: head.promise,
        async whole() {
          const bytes = await whole.promise;
          if (bytes !== undefined) detach(cursor);
          return bytes;
        },
        stream() {
          if (streamed) throw new TypeError('Flight.stream() may be called once per waiter');
          streamed = true;
          return streamOf(cursor);
        },
        release: () => detach(cursor),
      };
    },
  };
}

function slowestPos(cursors: ReadonlySet<Cursor>): number {
  let slowest = Number.POSITIVE_INFINITY;
  for (const c of cursors) slowest = Math.min(slowest, c.pos);
  return slowest;
}

/** RFC 9110 §8.6 Content-Length, when it is a plain decimal. */
function declaredLength(headers: Headers): number | undefined {
  const raw = headers.get('content-length')?.trim();
  if (raw === undefined || !/^\d{1,15}$/.test(raw)) return undefined;
  return Number(raw);
}

function concat(chunks: readonly Uint8Array[]): Uint8Array {
  if (chunks.length === 1 && chunks[0] !== undefined) return chunks[0];
  const out = new Uint8Array(chunks.reduce((n, c) => n + c.byteLength, 0));
  let offset = 0;
  for (const chunk of chunks) {
    out.set(chunk, offset);
    offset += chunk.byteLength;
  }
  return out;
}
