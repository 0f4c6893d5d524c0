/**
 * The edge's JWKS URL cache (issue 3): fetches the operator's JWKS (timeout, size limit, validated by
 * core's `parseJwks`), imports each key with jose pinned to its one algorithm, and answers lookups by
 * `kid`. Fetches are coalesced (one in flight at a time) and rate-limited by core's `refreshDue`: at
 * most one per AUTH_JWKS_REFRESH_S whatever triggers it; a set older than its max age is refreshed on
 * the next lookup. A failed refresh keeps the last good set and is logged.
 *
 * `fetch` comes in at construction and the time with every lookup, so tests drive the clock. Must not
 * verify tokens (jwt-verifier.ts does) or keep anything but public keys.
 */
import { importJWK } from 'jose';
import { type JwksKey, jwksMaxAgeS, type MaxAgeBounds, parseJwks, refreshDue } from '../../core/auth/jwks.ts';
import type { JwtAlg } from '../../core/auth/jwt-sign.ts';
import { err, ok, type Result } from '../../core/result.ts';

type FetchLike = (url: string, init: RequestInit) => Promise<Response>;
type VerifyKey = Awaited<ReturnType<typeof importJWK>>;

export interface JwksCacheOptions {
  readonly url: string;
  readonly fetch: FetchLike;
  /** Algorithms URL keys may use (AUTH_JWKS_ALGS); HS256 is never taken from a URL. */
  readonly algorithms: readonly JwtAlg[];
  /** Minimum seconds between fetches (AUTH_JWKS_REFRESH_S). */
  readonly refreshS: number;
  /** Ceiling and default for how long a fetched set is trusted (AUTH_JWKS_MAX_AGE_S). */
  readonly maxAgeS: number;
  /** Abort a JWKS fetch after this long. Default 5000. */
  readonly timeoutMs?: number;
  /** Refuse a JWKS body larger than this. Default 65536. */
  readonly maxBytes?: number;
  /** Structured log sink. Default: one JSON line on console.warn. */
  readonly log?: (entry: Readonly<Record<string, unknown>>) => void;
}

export type JwksLookupFailure =
  /** No key with this kid (and alg) in the current set, after any refresh allowed now. */
  | { readonly reason: 'unknown-key'; readonly kid?: string }
  /** No key set at all: the endpoint has not answered usefully yet. */
  | { readonly reason: 'key-unavailable'; readonly detail: string };

export interface JwksCache {
  /**
   * The verification key for a token header's `kid` and `alg` at time `now` (ms since the epoch).
   * A token without `kid` matches only when exactly one key in the set has its `alg`.
   */
  key(kid: string | undefined, alg: string, now: number): Promise<Result<VerifyKey, JwksLookupFailure>>;
}

/** Floor for a publisher's Cache-Control max-age, seconds: no refetch storms from `max-age=0`. */
export const JWKS_MIN_MAX_AGE_S = 30;
const DEFAULT_TIMEOUT_MS = 5000;
const DEFAULT_MAX_BYTES = 64 * 1024;

interface Loaded {
  readonly keys: ReadonlyMap<string, { readonly alg: JwtAlg; readonly key: VerifyKey }>;
  readonly fetchedAt: number;
  readonly maxAgeMs: number;
}

/** @example createJwksCache({ url, fetch, algorithms: ['ES256'], refreshS: 60, maxAgeS: 600 }) */
export function createJwksCache(options: JwksCacheOptions): JwksCache {
  if (!/^https?:\/\//.test(options.url)) throw new TypeError('jwks url: expected an absolute http(s) URL');
  if (!(options.refreshS >= 0 && options.maxAgeS > 0)) throw new TypeError('jwks: bad refreshS/maxAgeS');
  const bounds: MaxAgeBounds = { minS: JWKS_MIN_MAX_AGE_S, maxS: options.maxAgeS };
  const log = options.log ?? ((e) => console.warn(JSON.stringify(e)));
  let loaded: Loaded | undefined;
  let attemptedAt: number | undefined;
  let inflight: Promise<void> | undefined;

  const refresh = (now: number): Promise<void> => {
    // Coalesce: every lookup arriving while a fetch runs waits for that same fetch.
    inflight ??= (async () => {
      attemptedAt = now;
      try {
        loaded = await fetchKeys(options, bounds, now, log);
      } catch (error) {
        // Keep the last good set: a JWKS outage must not lock out every viewer.
        log({
          level: 'warn',
          event: 'jwks-refresh-failed',
          url: options.url,
          reason: error instanceof JwksFetchError ? error.reason : 'network',
          detail: error instanceof Error ? error.message.slice(0, 200) : 'unknown',
          keptKeys: loaded?.keys.size ?? 0,
        });
      } finally {
        inflight = undefined;
      }
    })();
    return inflight;
  };
  const clock = () => ({
    fetchedAt: loaded?.fetchedAt,
    maxAgeMs: loaded?.maxAgeMs ?? 0,
    attemptedAt,
    minIntervalMs: options.refreshS * 1000,
  });
  const find = (kid: string | undefined, alg: string) => {
    if (!loaded) return undefined;
    if (kid !== undefined) {
      const hit = loaded.keys.get(kid);
      return hit?.alg === alg ? hit.key : undefined;
    }
    const candidates = [...loaded.keys.values()].filter((k) => k.alg === alg);
    return candidates.length === 1 ? candidates[0]?.key : undefined;
  };

  return {
    async key(kid, alg, now) {
      if (inflight) await inflight;
      else if (refreshDue(clock(), now, 'lookup')) await refresh(now);
      let key = find(kid, alg);
      if (!key && loaded) {
        // Rotation: a new kid may have been published since the last fetch.
        if (inflight) await inflight;
        else if (refreshDue(clock(), now, 'unknown-kid')) await refresh(now);
        key = find(kid, alg);
      }
      if (key) return ok(key);
      if (!loaded) return err({ reason: 'key-unavailable', detail: 'no JWKS fetched yet' });
      return err({ reason: 'unknown-key', ...(kid !== undefined ? { kid: kid.slice(0, 64) } : {}) });
    },
  };
}

class JwksFetchError extends Error {
  readonly reason: 'status' | 'too-large' | 'not-json' | 'no-usable-keys';
  constructor(reason: JwksFetchError['reason'], message: string) {
    super(message);
    this.name = 'JwksFetchError';
    this.reason = reason;
  }
}

async function fetchKeys(
  options: JwksCacheOptions,
  bounds: MaxAgeBounds,
  now: number,
  log: NonNullable<JwksCacheOptions['log']>,
): Promise<Loaded> {
  const maxBytes = options.maxBytes ?? DEFAULT_MAX_BYTES;
  const res = await options.fetch(options.url, {
    headers: { accept: 'application/jwk-set+json, application/json' },
    signal: AbortSignal.timeout(options.timeoutMs ?? DEFAULT_TIMEOUT_MS),
  });
  if (res.status !== 200) {
    await res.body?.cancel();
    throw new JwksFetchError('status', `HTTP ${res.status}`);
  }
  const text = await readCapped(res, maxBytes);
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch {
    throw new JwksFetchError('not-json', 'body is not JSON');
  }
  const { keys, issues } = parseJwks(doc, options.algorithms);
  const imported = new Map<string, { alg: JwtAlg; key: VerifyKey }>();
  for (const k of keys) {
    const key = await importPinned(k);
    if (key) imported.set(k.kid, { alg: k.alg, key });
    else issues.push({ at: `kid ${k.kid.slice(0, 64)}`, problem: `cannot import as ${k.alg}` });
  }
  if (issues.length > 0)
    log({ level: 'warn', event: 'jwks-keys-skipped', url: options.url, issues: issues.slice(0, 10) });
  // An empty or entirely unusable set is treated as a failed refresh, so the last good set stays.
  if (imported.size === 0) throw new JwksFetchError('no-usable-keys', 'no usable keys in JWKS');
  const maxAgeS = jwksMaxAgeS(res.headers.get('cache-control'), bounds);
  return { keys: imported, fetchedAt: now, maxAgeMs: maxAgeS * 1000 };
}

async function importPinned(k: JwksKey): Promise<VerifyKey | undefined> {
  try {
    return await importJWK({ ...k.jwk, alg: k.alg }, k.alg);
  } catch {
    return undefined;
  }
}

/** The body as text, refusing more than `max` bytes whatever Content-Length claims. */
async function readCapped(res: Response, max: number): Promise<string> {
  const declared = Number(res.headers.get('content-length') ?? Number.NaN);
  if (declared > max) {
    await res.body?.cancel();
    throw new JwksFetchError('too-large', `content-length ${declared} > ${max}`);
  }
  if (!res.body) return '';
  const reader = res.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > max) {
      await reader.cancel();
      throw new JwksFetchError('too-large', `body over ${max} bytes`);
    }
    chunks.push(value);
  }
  const all = new Uint8Array(size);
  let offset = 0;
  for (const c of chunks) {
    all.set(c, offset);
    offset += c.byteLength;
  }
  return new TextDecoder().decode(all);
}
