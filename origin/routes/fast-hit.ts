/**
 * The hit fast path: a fresh, whole-object GET/HEAD answered synchronously, before any async
 * routing: by the fast lane on the raw socket (fast-lane.ts, on by default), or inside Node's
 * request callback (`createFastHit`, for connections the lane handed to Node or with the lane off).
 *
 * Profiling the 2 KB playlist hit under bench/shield load showed the shield's own cost per hit was
 * the request object's lazily built `headers` record, two promise hops (handle → content) and a
 * header list rebuilt per response. Here the three request headers that matter (origin, range,
 * x-edgeshield-auth) are read straight from `rawHeaders`, the raw URL is mapped to its cache key
 * through a bounded memo, and each object keeps one pre-flattened header array per CORS variant
 * whose only per-hit slot is `Age`. Anything else (a miss, stale, Range, a query with CMCD, a
 * duplicated auth header, a bad path) returns false and takes the full async path, which produces
 * identical responses. Must not go upstream, change the store beyond the LRU bump, or write errors.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { ageSeconds, freshnessState } from '../../src/core/cache/freshness.ts';
import type { CachedObject } from '../cache/store.ts';

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
  /** Status line and every header but Age, serialised for a raw HTTP/1.1 response, ending `age: `. */
  readonly headPrefix: string;
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
  // object → CORS record → header array ending in the Age value slot, and its serialised prefix.
  const flat = new WeakMap<CachedObject, Map<Readonly<Record<string, string>>, PreparedHeaders>>();

  const headersFor = (object: CachedObject, cors: Readonly<Record<string, string>>): PreparedHeaders => {
    let byCors = flat.get(object);
    if (byCors === undefined) {
      byCors = new Map();
      flat.set(object, byCors);
    }
    let prepared = byCors.get(cors);
    if (prepared === undefined) {
      const list: string[] = [];
      for (const [name, value] of Object.entries(cors)) list.push(name, value);
      for (const [name, value] of Object.entries(object.headers))
        if (name !== 'content-length') list.push(name, value);
      // Same headers, same order as sendObject's hit path. A synchronous hit takes well under the
      // clock's millisecond resolution, so its Server-Timing duration is 0.
      list.push('accept-ranges', 'bytes', 'content-length', String(object.body.byteLength));
      list.push('x-cache', 'HIT', 'server-timing', 'shield;dur=0', 'age', '0');
      let text = 'HTTP/1.1 200 OK\r\n';
      let writable = true;
      for (let i = 0; i < list.length - 2; i += 2) {
        const name = list[i] ?? '';
        const value = list[i + 1] ?? '';
        // The raw writer does not validate like writeHead: an odd stored header leaves the object to Node's path.
        if (!HEADER_NAME.test(name) || INVALID_VALUE.test(value)) writable = false;
        text += `${name}: ${value}\r\n`;
      }
      prepared = { list, prefix: `${text}age: `, writable };
      byCors.set(cors, prepared);
    }
    return prepared;
  };

  return function lookup(method, rawUrl, raw) {
    if (method !== 'GET' && method !== 'HEAD') return undefined;
    let origin: string | null = null;
    let auth: string | undefined;
    let authSeen = 0;
    for (let i = 0; i < raw.length; i += 2) {
      const name = raw[i] ?? '';
      // Compare by length first: most headers are rejected without lower-casing.
      if (name.length === 5) {
        if (name.toLowerCase() === 'range') return undefined;
      } else if (name.length === 6) {
        if (name.toLowerCase() === 'origin') origin = raw[i + 1] ?? null;
      } else if (name.length === 8) {
        if (name.toLowerCase() === 'if-range') return undefined;
      } else if (name.length === 12) {
        if (cmcd && name.toLowerCase() === 'cmcd-request') return undefined;
      } else if (name.length === 17 && name.toLowerCase() === 'x-edgeshield-auth') {
        auth = raw[i + 1];
        authSeen++;
      }
    }
    if (authSeen > 1 || !checkSecret(auth)) return undefined;
    const key = keyOf(rawUrl);
    if (key === undefined) return undefined;
    const object = get(key);
    if (object === undefined || object.status !== 200) return undefined;
    const t = now();
    if (freshnessState(object, t) !== 'fresh') return undefined;
    const { list, prefix, writable } = headersFor(object, corsFor(origin));
    if (!writable) return undefined;
    onHit(object);
    const age = String(ageSeconds(object, t));
    // Callers serialise the list synchronously, so the shared Age slot can be reused.
    list[list.length - 1] = age;
    return { object, headers: list, headPrefix: prefix, age, headOnly: method === 'HEAD' };
  };
}

/** RFC 9110 token (a header name) and what Node's writeHead refuses in a value. */
const HEADER_NAME = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;
const INVALID_VALUE = /[^\t\x20-\x7e\x80-\xff]/;

interface PreparedHeaders {
  /** Every name and value is one Node's writeHead would send as is (else the full path answers). */
  readonly writable: boolean;
  readonly list: string[];
  /** Status line and every header but Age, then `age: `. */
  readonly prefix: string;
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

/** Paths the server answers itself; never served from the content cache. */
const SERVICE_PATHS: ReadonlySet<string> = new Set(['/healthz', '/metrics', '/purge']);

/**
 * Raw URL → cache key (normalised path + content query), memoised and bounded; `undefined` for
 * service paths, CMCD-carrying URLs (unique per request, and the slow path reads them) and bad paths.
 *
 * @example createKeyOf(normalize)('/vod//a.ts?token=x') // '/vod/a.ts'
 */
export function createKeyOf(
  normalizePath: (raw: string) => { ok: true; value: string } | { ok: false },
  contentQueryOf: (rawQuery: string) => string,
): (rawUrl: string) => string | undefined {
  const memo = new Map<string, string>();
  return (rawUrl) => {
    const known = memo.get(rawUrl);
    if (known !== undefined) return known;
    if (rawUrl.includes('CMCD')) return undefined;
    const q = rawUrl.indexOf('?');
    const rawPath = q === -1 ? rawUrl : rawUrl.slice(0, q);
    if (SERVICE_PATHS.has(rawPath)) return undefined;
    const normalized = normalizePath(rawPath);
    if (!normalized.ok) return undefined;
    const key = `${normalized.value}${q === -1 ? '' : contentQueryOf(rawUrl.slice(q + 1))}`;
    if (memo.size >= 10_000) memo.clear();
    memo.set(rawUrl, key);
    return key;
  };
}
