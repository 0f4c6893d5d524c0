/**
 * The edge cache key: which URL one cached object lives under. Pure: no I/O, no clock.
 *
 * DESIGN.md "Cache key": canonical host + normalised path + only the query parameters that change
 * content: the LL-HLS delivery directives (`_HLS_msn`, `_HLS_part`, `_HLS_skip`) plus the operator's
 * filter parameters (CACHE_KEY_PARAMS), sorted by name. Everything that differs per viewer (tokens,
 * CMCD, cache busters, unknown parameters) is dropped so two viewers of one object share one entry.
 * The path must already be normalised (normalizeRequestPath); this module does not re-validate it and
 * must not grow per-viewer inputs.
 */
import { CONTENT_QUERY_PARAMS, type ContentQueryParams } from './upstream-query.ts';

/**
 * Parameters that can never be part of a key, even if an operator lists them in CACHE_KEY_PARAMS:
 * viewer credentials (a key per viewer would defeat the cache and leak tokens into keys and logs),
 * CMCD (per-request telemetry, CTA-5004) and the usual cache busters. Lower-case; compared that way.
 */
export const NEVER_KEYED_PARAMS: readonly string[] = [
  'token',
  'jwt',
  'auth',
  'hdnts',
  '__token__',
  'policy',
  'signature',
  'key-pair-id',
  'expires',
  'st',
  'md5',
  'e',
  'cmcd',
  '_',
  'cb',
  'cachebust',
  'cachebuster',
  'nocache',
  'rnd',
  'rand',
  'random',
  'ts',
  'timestamp',
];

/**
 * Whether an operator may key on `name` (used when CACHE_KEY_PARAMS is parsed).
 *
 * @example isKeyableParam('lang') // true
 * @example isKeyableParam('token') // false
 */
export function isKeyableParam(name: string): boolean {
  return name !== '' && !NEVER_KEYED_PARAMS.includes(name.toLowerCase());
}

/**
 * Canonical key query: `''` when nothing survives, else `?` plus the kept parameters sorted by name
 * (code-unit order). A repeated parameter keeps its first value so one object never has two keys.
 * Values are form-encoded exactly as `URLSearchParams#toString` does. `filterParams` are matched
 * case-sensitively, like the HLS directives (RFC 8216bis §6.2.5 names are case-sensitive).
 *
 * @example keyQuery(new URLSearchParams('token=x&lang=de&_HLS_msn=10'), ['lang']) // '?_HLS_msn=10&lang=de'
 */
export function keyQuery(params: ContentQueryParams, filterParams: readonly string[] = []): string {
  const names = [...new Set([...CONTENT_QUERY_PARAMS, ...filterParams.filter(isKeyableParam)])].sort();
  const kept: string[] = [];
  for (const name of names) {
    const value = params.get(name);
    if (value !== null) kept.push(`${formEncode(name)}=${formEncode(value)}`);
  }
  return kept.length === 0 ? '' : `?${kept.join('&')}`;
}

/**
 * The absolute URL a cache entry is stored under. Always `https:` so a request arriving over http
 * and one over https share the entry; the host is taken verbatim apart from lower-casing (a port, if
 * the request carried one, stays: stripping or adding ports would merge distinct origins).
 * `params` is any `URLSearchParams` (typed structurally so src/core needs no DOM types).
 *
 * @example cacheKeyUrl('Edge.Example', '/vod/a.ts', new URLSearchParams('token=t&_HLS_msn=5'))
 *   // 'https://edge.example/vod/a.ts?_HLS_msn=5'
 */
export function cacheKeyUrl(
  host: string,
  normalizedPath: string,
  params: ContentQueryParams,
  filterParams: readonly string[] = [],
): string {
  return `https://${host.toLowerCase()}${normalizedPath}${keyQuery(params, filterParams)}`;
}

/** application/x-www-form-urlencoded serialisation (WHATWG URL §5.2), as URLSearchParams emits it. */
function formEncode(text: string): string {
  return encodeURIComponent(text)
    .replace(/[!'()~]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`)
    .replace(/%20/g, '+');
}
