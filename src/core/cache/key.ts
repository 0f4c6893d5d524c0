/**
 * The edge cache key: which URL one cached object lives under. Pure: no I/O, no clock.
 *
 * DESIGN.md "Cache key": canonical host + normalised path + only the query parameters that change
 * content. Everything that differs per viewer (tokens, CMCD, cache busters) is dropped here so two
 * viewers of one object share one entry. The path must already be normalised (normalizeRequestPath);
 * this module does not re-validate it and must not grow per-viewer inputs.
 */
import { type ContentQueryParams, contentQuery } from './upstream-query.ts';

/**
 * The absolute URL a cache entry is stored under. Always `https:` so a request arriving over http
 * and one over https share the entry; the host is taken verbatim apart from lower-casing (a port, if
 * the request carried one, stays: stripping or adding ports would merge distinct origins).
 * `params` is any `URLSearchParams` (typed structurally so src/core needs no DOM types).
 *
 * @example cacheKeyUrl('Edge.Example', '/vod/a.ts', new URLSearchParams('token=t&_HLS_msn=5'))
 *   // 'https://edge.example/vod/a.ts?_HLS_msn=5'
 */
export function cacheKeyUrl(host: string, normalizedPath: string, params: ContentQueryParams): string {
  return `https://${host.toLowerCase()}${normalizedPath}${contentQuery(params)}`;
}
