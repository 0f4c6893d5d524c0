/**
 * Per-server memos for the request path: hot paths repeat, so path normalisation and CORS headers are
 * computed once per distinct input. Bounded (the path memo is cleared wholesale when full; CORS has
 * one entry per allowed origin plus `*` and "none"). Must not hold request state.
 */
import { corsHeaders } from '../src/core/http/cors.ts';
import { normalizeRequestPath } from '../src/core/http/path.ts';

type Normalized = ReturnType<typeof normalizeRequestPath>;

/** How many distinct raw paths are remembered before the memo starts over. */
const PATH_MEMO_MAX = 10_000;

/**
 * `normalizeRequestPath`, remembered.
 *
 * @example const normalizePath = createPathMemo(); normalizePath('/vod/./a.ts')
 */
export function createPathMemo(): (raw: string) => Normalized {
  const memo = new Map<string, Normalized>();
  return function normalizePath(raw) {
    let result = memo.get(raw);
    if (result === undefined) {
      result = normalizeRequestPath(raw);
      if (memo.size >= PATH_MEMO_MAX) memo.clear();
      memo.set(raw, result);
    }
    return result;
  };
}

/**
 * CORS headers for a request's Origin: they depend only on the Origin and the (small) allow-list.
 *
 * @example const corsFor = createCorsMemo(['*']); corsFor('https://player.example')
 */
export function createCorsMemo(
  allowed: readonly string[],
): (origin: string | null) => Readonly<Record<string, string>> {
  const memo = new Map<string | null, Readonly<Record<string, string>>>();
  return function corsFor(origin) {
    const key = allowed.includes('*') ? '*' : origin !== null && allowed.includes(origin) ? origin : null;
    let headers = memo.get(key);
    if (headers === undefined) {
      headers = Object.freeze(corsHeaders(origin, allowed));
      memo.set(key, headers);
    }
    return headers;
  };
}
