/**
 * Single-flight per cache key inside one isolate: concurrent misses for one object make one shield
 * request, and every waiter streams the body as it arrives (broadcast), not after it completes.
 * The Workers Cache API has no request coalescing of its own, so without this a new live segment
 * asked for by N players at once costs N shield requests per isolate.
 *
 * The leader's request pumps the shield body (in its `waitUntil`, so the fill survives the leader's
 * viewer hanging up) into an in-memory chunk list; each waiter gets its own ReadableStream created in
 * its own request that replays the list and then follows the tail. Only plain bytes and promises
 * cross request contexts, never a stream, which workerd forbids sharing between requests.
 * The key is released after `finish` (the cache put) so a request arriving between "body complete"
 * and "object stored" still joins instead of missing again. Must not know about cache policy.
 */

/** Status and headers of the one upstream answer, shared by every waiter. */
export interface FlightHead {
  readonly status: number;
  readonly headers: Headers;
}

export interface Flight {
  /** Upstream status and headers; rejects when the upstream request failed. */
  readonly head: Promise<FlightHead>;
  /** The whole body once complete; rejects when it failed midway. */
  readonly body: Promise<Uint8Array>;
  /** A new stream of the body from byte 0, following the upstream as it arrives. */
  subscribe(): ReadableStream<Uint8Array>;
}

export interface Joined {
  readonly flight: Flight;
  /** True for the request that started the upstream fetch (x-cache MISS); false joins (COALESCED). */
  readonly leader: boolean;
  /** Settles when the body is complete and `finish` ran; the leader passes it to `waitUntil`. */
  readonly settled: Promise<void>;
}

export interface Coalescer {
  /**
   * Joins the flight for `key`, or starts one with `start`. `finish` runs once with the complete
   * body (to store it) before the key is released; its failure is the caller's to log.
   */
  join(
    key: string,
    start: () => Promise<Response>,
    finish: (head: FlightHead, body: Uint8Array) => Promise<void>,
  ): Joined;
  /** Whether a flight for `key` is in progress (a background refresh checks before starting one). */
  has(key: string): boolean;
  /** Flights in progress. */
  readonly size: number;
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

/** @example const coalescer = createCoalescer(); const { flight, leader } = coalescer.join(key, start, store); */
export function createCoalescer(): Coalescer {
  const flights = new Map<string, Joined>();
  return {
    join(key, start, finish) {
      const existing = flights.get(key);
      if (existing) return { ...existing, leader: false };
      const joined = startFlight(start, finish);
      const entry: Joined = {
        ...joined,
        settled: joined.settled.finally(() => {
          if (flights.get(key) === entry) flights.delete(key);
        }),
      };
      entry.settled.catch(() => undefined);
      flights.set(key, entry);
      return entry;
    },
    has: (key) => flights.has(key),
    get size() {
      return flights.size;
    },
  };
}

function startFlight(
  start: () => Promise<Response>,
  finish: (head: FlightHead, body: Uint8Array) => Promise<void>,
): Joined {
  const head = deferred<FlightHead>();
  const body = deferred<Uint8Array>();
  const chunks: Uint8Array[] = [];
  let state: 'open' | 'done' | 'failed' = 'open';
  let failure: unknown;
  let changed = deferred<void>();
  const notify = () => {
    const current = changed;
    changed = deferred<void>();
    current.resolve();
  };

  const pump = async (): Promise<void> => {
    let response: Response;
    try {
      response = await start();
    } catch (error) {
      state = 'failed';
      failure = error;
      head.reject(error);
      body.reject(error);
      notify();
      throw error;
    }
    const flightHead = { status: response.status, headers: response.headers };
    head.resolve(flightHead);
    try {
      if (response.body !== null) {
        const reader = response.body.getReader();
        for (;;) {
          const { value, done } = await reader.read();
          if (done) break;
          chunks.push(value);
          notify();
        }
      }
    } catch (error) {
      state = 'failed';
      failure = error;
      body.reject(error);
      notify();
      throw error;
    }
    const whole = concat(chunks);
    state = 'done';
    body.resolve(whole);
    notify();
    await finish(flightHead, whole);
  };

  return {
    leader: true,
    settled: pump(),
    flight: {
      head: head.promise,
      body: body.promise,
      subscribe() {
        let next = 0;
        return new ReadableStream<Uint8Array>({
          async pull(controller) {
            for (;;) {
              const chunk = chunks[next];
              if (chunk !== undefined) {
                next += 1;
                controller.enqueue(chunk);
                return;
              }
              if (state === 'done') return controller.close();
              if (state === 'failed') return controller.error(failure);
              await changed.promise;
            }
          },
        });
      },
    },
  };
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
