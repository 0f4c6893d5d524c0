/**
 * The hit lookup: decides, synchronously and before any async routing, whether a request is a fresh
 * whole-object GET/HEAD hit, for the fast lane on the raw socket (fast-lane.ts, on by default) and
 * for Node's request callback (`createFastHit`, for connections the lane handed to Node or with the
 * lane off).
 *
 * Profiling the 2 KB playlist hit under bench/shield load showed the shield's own cost per hit was
 * the request object's lazily built `headers` record, two promise hops (handle → content) and a
 * header list rebuilt per response. Here the three request headers that matter (origin, range, the
 * shield auth header) are read straight from `rawHeaders`, the raw URL is mapped to its cache key
 * through a bounded memo (key-memo.ts), and each object keeps one header list (hit-head.ts) per CORS
 * variant whose only per-hit slot is `Age`. Anything else (a miss, stale, Range, a query with CMCD, a
 * duplicated auth header, a bad path) returns undefined and takes the full async path, which produces
 * identical responses. Must not go upstream, change the store beyond the LRU bump, or write errors.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { ageSeconds, freshnessState } from '../../src/core/cache/freshness.ts';
import { SHIELD_AUTH_HEADER } from '../../src/core/http/shield-contract.ts';
import type { CachedObject } from '../cache/store.ts';
import { hitHeaderList, rawWritable } from './hit-head.ts';

/** What the fast path needs, passed in. */
export interface FastHitDeps {
  readonly get: (key: string) => CachedObject | undefined;
  readonly now: () => number;
  /** The server's shared-secret check (always true when no secret is configured). */
  readonly checkSecret: (presented: string | undefined) => boolean;
  /** Memoised CORS record for a request Origin (the server's own). */
  readonly corsFor: (origin: string | null) => Readonly<Record<string, string>>;
  /** Maps a raw request URL to its cache key, or `undefined` when the slow path must decide. */
  readonly keyOf: (rawUrl: string) => string | undefined;
  /** Called for every hit served here (metrics, prefetch accounting). */
  readonly onHit: (object: CachedObject) => void;
  /** CMCD prefetch is on: requests carrying a CMCD-Request header take the slow path, which reads it. */
  readonly cmcd: boolean;
}

/** A fresh whole-object hit, ready to write. */
export interface FastAnswer {
  readonly object: CachedObject;
  /**
   * Header list (flat name, value, …) whose last value is this response's `Age`. The same array for
   * every hit on this object and CORS variant, so callers may key per-object caches on it.
   */
  readonly headers: readonly string[];
  /** This response's Age value. */
  readonly age: string;
  /** HEAD: headers only. */
  readonly headOnly: boolean;
}

/**
 * Decides whether a request is a fresh whole-object hit from its method, raw URL and flat raw
 * header list (Node's `rawHeaders` shape); `undefined` means the full path must answer.
 */
export type HitLookup = (
  method: string,
  rawUrl: string,
  rawHeaders: readonly string[],
) => FastAnswer | undefined;

/** Serves the request when it is a fresh whole-object hit; returns false to fall through. */
export type FastHit = (req: IncomingMessage, res: ServerResponse) => boolean;

/**
 * Builds the hit lookup shared by the Node fast path and the fast lane.
 *
 * @example const lookup = createHitLookup(deps); const answer = lookup('GET', '/v/a.ts', ['Host', 's']);
 */
export function createHitLookup(deps: FastHitDeps): HitLookup {
  const { get, now, checkSecret, corsFor, keyOf, onHit, cmcd } = deps;
  // object → CORS record → header list ending in the Age value slot.
  const flat = new WeakMap<CachedObject, Map<Readonly<Record<string, string>>, PreparedHeaders>>();

  const headersFor = (object: CachedObject, cors: Readonly<Record<string, string>>): PreparedHeaders => {
    let byCors = flat.get(object);
    if (byCors === undefined) {
      byCors = new Map();
      flat.set(object, byCors);
    }
    let prepared = byCors.get(cors);
    if (prepared === undefined) {
      // A synchronous hit takes well under the clock's millisecond resolution: Server-Timing 0.
      const list = hitHeaderList({
        cors,
        stored: object.headers,
        bodyBytes: object.body.byteLength,
        cacheStatus: 'HIT',
        serverTiming: 'shield;dur=0',
        ageSec: 0,
      });
      prepared = { list, writable: rawWritable(list) };
      byCors.set(cors, prepared);
    }
    return prepared;
  };

  return function lookup(method, rawUrl, raw) {
    if (method !== 'GET' && method !== 'HEAD') return undefined;
    let origin: string | null = null;
    let auth: string | undefined;
    let authSeen = 0;
    let hosts = 0;
    for (let i = 0; i < raw.length; i += 2) {
      const name = raw[i] ?? '';
      // Compare by length first: most headers are rejected without lower-casing.
      if (name.length === 4) {
        if (name.toLowerCase() === 'host') hosts++;
      } else if (name.length === 5) {
        if (name.toLowerCase() === 'range') return undefined;
      } else if (name.length === 6) {
        if (name.toLowerCase() === 'origin') origin = raw[i + 1] ?? null;
      } else if (name.length === 8) {
        if (name.toLowerCase() === 'if-range') return undefined;
      } else if (name.length === 12) {
        if (cmcd && name.toLowerCase() === 'cmcd-request') return undefined;
      } else if (name.length === SHIELD_AUTH_HEADER.length && name.toLowerCase() === SHIELD_AUTH_HEADER) {
        auth = raw[i + 1];
        authSeen++;
      }
    }
    // Two Host headers are refused (400) by the full path, RFC 9112 §3.2.
    if (hosts > 1 || authSeen > 1 || !checkSecret(auth)) return undefined;
    const key = keyOf(rawUrl);
    if (key === undefined) return undefined;
    const object = get(key);
    if (object === undefined || object.status !== 200) return undefined;
    const t = now();
    if (freshnessState(object, t) !== 'fresh') return undefined;
    const { list, writable } = headersFor(object, corsFor(origin));
    if (!writable) return undefined;
    onHit(object);
    const age = String(ageSeconds(object, t));
    // Callers serialise the list synchronously, so the shared Age slot can be reused.
    list[list.length - 1] = age;
    return { object, headers: list, age, headOnly: method === 'HEAD' };
  };
}

interface PreparedHeaders {
  readonly list: string[];
  /** Every name and value is one Node's writeHead would send as is (else the full path answers). */
  readonly writable: boolean;
}

/**
 * The fast path inside Node's HTTP server (used when the fast lane is off).
 *
 * @example const fastHit = createFastHit(createHitLookup(deps)); createServer((req, res) => { if (!fastHit(req, res)) void handle(req, res); });
 */
export function createFastHit(lookup: HitLookup): FastHit {
  return function fastHit(req, res) {
    const answer = lookup(req.method ?? '', req.url ?? '/', req.rawHeaders);
    if (answer === undefined) return false;
    res.writeHead(200, answer.headers as string[]);
    res.end(answer.headOnly ? undefined : answer.object.body);
    return true;
  };
}
