/**
 * One upstream fetch for one cache key, shared by every waiter (collapsed forwarding).
 *
 * `startFill` sends a single request (conditional when a stale copy is being revalidated), turns the
 * answer into a `FillHead` every waiter can act on, streams a body into a shared `FillBody`, and
 * stores the object only once the whole body arrived and matches Content-Length. Must not write to
 * clients (routes do) and must never store a partial body or an upstream error as success.
 */

import type { ByteBudget } from '../../src/core/cache/byte-budget.ts';
import type { StaleBounds } from '../../src/core/cache/freshness.ts';
import { conditionalHeaders, mergeNotModified } from '../../src/core/http/conditional.ts';
import type { DefaultTtl } from '../config-default-ttl.ts';
import { type ShieldError, upstreamFailure } from '../errors.ts';
import type { Logger } from '../log.ts';
import type { Upstream } from '../upstream/failover.ts';
import { upstreamRequestHeaders } from '../upstream/pool.ts';
import { createFillBody, type FillBody } from './fill-body.ts';
import { declaredLength, REPLAY_HEADERS, replayHeaders, shareable, storageDecision } from './policy.ts';
import type { CachedObject, ObjectStore } from './store.ts';

/** What a fill needs, passed in. */
export interface FillDeps {
  readonly upstream: Upstream;
  readonly store: ObjectStore;
  readonly maxObjectBytes: number;
  readonly maxLagBytes: number;
  /** Seconds a 404/410 is remembered; 0 disables negative caching. */
  readonly negativeTtlSec: number;
  readonly staleBounds: StaleBounds;
  /** Lifetimes for responses whose origin says nothing about freshness (SHIELD_DEFAULT_TTL); absent = not stored. */
  readonly defaultTtl?: DefaultTtl;
  readonly now: () => number;
  readonly logger: Logger;
  /** Bounds the bytes all fills in flight retain (SHIELD_INFLIGHT_BYTES); absent = unbounded. */
  readonly retention?: ByteBudget;
  /** Called with the body bytes of every finished upstream body (metrics). */
  readonly onUpstreamBytes?: (bytes: number) => void;
}

/** How the upstream answered, as every waiter of the fill sees it. */
export type FillHead =
  | {
      readonly kind: 'stream';
      readonly status: number;
      readonly headers: Readonly<Record<string, string>>;
      readonly body: FillBody;
      /** Will be stored when complete. */
      readonly storable: boolean;
      /** Concurrent waiters may share this response (storable, or only too large to store). */
      readonly shared: boolean;
      readonly expectedLength: number | undefined;
      readonly originMs: number;
      /** The owner worker's x-cache when a sibling worker answered (cluster), else undefined. */
      readonly peerCache: string | undefined;
    }
  /** A complete object: a 304-refreshed copy or a negative 404/410 entry. */
  | { readonly kind: 'object'; readonly object: CachedObject; readonly originMs: number }
  | { readonly kind: 'error'; readonly error: ShieldError };

/** A running fill. */
export interface Fill {
  /** Settles once the upstream answered (never rejects). */
  readonly head: Promise<FillHead>;
  /** The complete object once a storable fill ended (stored unless its default lifetime came out under a second), `undefined` when nothing complete came. */
  readonly done: Promise<CachedObject | undefined>;
  /** Called by purge: the fill must not store what it fetched. */
  purge(): void;
}

/**
 * Starts fetching `pathAndQuery` for `key`; revalidates `stale` when given.
 *
 * @example const fill = startFill(deps, '/a.ts', '/a.ts', undefined); const head = await fill.head;
 */
export function startFill(
  deps: FillDeps,
  key: string,
  pathAndQuery: string,
  stale: CachedObject | undefined,
): Fill {
  let settle: (object: CachedObject | undefined) => void = () => {};
  const done = new Promise<CachedObject | undefined>((resolve) => {
    settle = resolve;
  });
  let purged = false;
  const store = (object: CachedObject): void => {
    if (!purged && deps.store.maxBytes > 0) deps.store.set(key, object);
  };
  return {
    head: fetchHead(deps, pathAndQuery, stale, store, settle),
    done,
    purge: () => {
      purged = true;
    },
  };
}

async function fetchHead(
  deps: FillDeps,
  pathAndQuery: string,
  stale: CachedObject | undefined,
  store: (object: CachedObject) => void,
  settle: (object: CachedObject | undefined) => void,
): Promise<FillHead> {
  const { now } = deps;
  const t0 = now();
  const validators = stale?.status === 200 ? conditionalHeaders(stale.headers) : {};
  const decide = (status: number, headers: Readonly<Record<string, string>>, body?: Uint8Array) =>
    storageDecision(
      status,
      headers,
      deps.maxObjectBytes,
      deps.staleBounds,
      deps.defaultTtl && { ttl: deps.defaultTtl, pathAndQuery, ...(body && { body }) },
    );
  let res: Awaited<ReturnType<Upstream['fetch']>>;
  try {
    res = await deps.upstream.fetch(pathAndQuery, { ...upstreamRequestHeaders(), ...validators });
  } catch (e) {
    settle(undefined);
    return { kind: 'error', error: upstreamFailure(e) };
  }
  const originMs = now() - t0;

  if (res.status === 304 && stale !== undefined && stale.status === 200) {
    res.body.resume();
    // RFC 9111 §4.3.4: freshen the stored response with the 304's headers; the body stays.
    const headers = mergeNotModified(stale.headers, res.headers, REPLAY_HEADERS);
    const decision = decide(200, { ...headers, ...pick(res.headers, 'age') }, stale.body);
    const object: CachedObject = decision.store
      ? { ...stale, headers, storedAt: now(), ...windows(decision) }
      : {
          ...stale,
          headers,
          storedAt: now(),
          freshForSec: 0,
          staleWhileRevalidateSec: 0,
          staleIfErrorSec: 0,
        };
    if (decision.store) store(object);
    settle(object);
    return { kind: 'object', object, originMs };
  }
  if (res.status === 404 || res.status === 410) {
    res.body.resume();
    const object: CachedObject = {
      status: res.status,
      headers: {},
      body: new Uint8Array(0),
      storedAt: now(),
      initialAgeSec: 0,
      freshForSec: deps.negativeTtlSec,
      staleWhileRevalidateSec: 0,
      staleIfErrorSec: 0,
    };
    if (deps.negativeTtlSec > 0) store(object);
    settle(undefined);
    return { kind: 'object', object, originMs };
  }
  if (res.status === 304) {
    res.body.resume();
    settle(undefined);
    return { kind: 'error', error: upstreamFailure(new Error('unexpected 304 to an unconditional request')) };
  }

  const decision = decide(res.status, res.headers);
  const expectedLength = declaredLength(res.headers);
  const upstreamBody = res.body;
  const body = createFillBody({
    retain: decision.store && deps.store.maxBytes > 0,
    retainLimit: deps.maxObjectBytes,
    maxLagBytes: deps.maxLagBytes,
    pause: () => upstreamBody.pause(),
    resume: () => upstreamBody.resume(),
    cancel: () => upstreamBody.destroy(),
    ...(deps.retention === undefined ? {} : { budget: deps.retention }),
    ...(expectedLength === undefined ? {} : { expectedBytes: expectedLength }),
  });
  // Over SHIELD_INFLIGHT_BYTES the fill streams through and is not stored this time (x-cache BYPASS).
  const storable = body.retained;
  const storedAt = now();
  upstreamBody.on('data', (chunk: Buffer) => body.push(chunk));
  upstreamBody.on('error', (e: unknown) => {
    deps.logger.warn('upstream body failed', {
      path: pathAndQuery,
      upstream: res.upstream,
      error: String(e),
    });
    body.fail();
    settle(undefined);
  });
  upstreamBody.on('close', () => {
    // Destroyed (cancelled) or closed without 'end': whatever arrived is incomplete.
    body.fail();
    settle(undefined);
  });
  upstreamBody.on('end', () => {
    // A sibling worker's bytes are not packager bytes: the owner counted those when it fetched them.
    if (res.peerCache === undefined) deps.onUpstreamBytes?.(body.received);
    if (expectedLength !== undefined && body.received !== expectedLength) {
      deps.logger.warn('upstream body length mismatch', {
        path: pathAndQuery,
        expectedLength,
        received: body.received,
      });
      body.fail();
      settle(undefined);
      return;
    }
    body.end();
    const bytes = body.complete();
    if (!decision.store || bytes === undefined) {
      settle(undefined);
      return;
    }
    // A default lifetime for a playlist depends on its body (live or VOD): decide again with it.
    const final = decision.needsBody === true ? decide(res.status, res.headers, bytes) : decision;
    const object: CachedObject = {
      status: 200,
      headers: replayHeaders(res.headers),
      body: bytes,
      storedAt,
      ...windows(final),
    };
    // A live playlist whose default is under a second is complete but not kept (policy.ts): the
    // waiters of this fill (HEAD, Range) still get it.
    if (final.store) store(object);
    settle(object);
  });
  return {
    kind: 'stream',
    status: res.status,
    headers: replayHeaders(res.headers),
    body,
    storable,
    shared: shareable(decision),
    expectedLength,
    originMs,
    peerCache: res.peerCache,
  };
}

function windows(decision: ReturnType<typeof storageDecision>) {
  if (!decision.store)
    return { initialAgeSec: 0, freshForSec: 0, staleWhileRevalidateSec: 0, staleIfErrorSec: 0 };
  const { initialAgeSec, freshForSec, staleWhileRevalidateSec, staleIfErrorSec } = decision;
  return { initialAgeSec, freshForSec, staleWhileRevalidateSec, staleIfErrorSec };
}

function pick(headers: Readonly<Record<string, string>>, name: string): Record<string, string> {
  const value = headers[name];
  return value === undefined ? {} : { [name]: value };
}
