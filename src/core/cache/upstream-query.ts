/**
 * The query string a tier forwards upstream and keys its cache on. Pure: no I/O.
 *
 * Only parameters that change the content survive (DESIGN.md "Cache key"): the LL-HLS delivery
 * directives `_HLS_msn`, `_HLS_part` and `_HLS_skip` (RFC 8216bis §6.2.5). Tokens, CMCD, cache busters
 * and unknown parameters are dropped so they can neither fragment a cache nor leak to the origin.
 * Edge and shield both call this one function; it must not grow tier-specific behaviour.
 */

/** Query parameters that select different content (RFC 8216bis §6.2.5.1–6.2.5.2). Case-sensitive. */
export const CONTENT_QUERY_PARAMS: readonly string[] = ['_HLS_msn', '_HLS_part', '_HLS_skip'];

/**
 * The part of `URLSearchParams` this module reads. Structural so `src/core` compiles without DOM or
 * node types (its tsconfig has `types: []`); any `URLSearchParams` satisfies it.
 */
export interface ContentQueryParams {
  get(name: string): string | null;
}

/**
 * Canonical content query: `''` when nothing survives, otherwise `?` plus the kept parameters sorted
 * by name. A repeated parameter keeps its first value so one object never has two keys. Values are
 * form-encoded exactly as `URLSearchParams#toString` does.
 *
 * @example contentQuery(new URLSearchParams('token=x&_HLS_part=2&_HLS_msn=10')) // '?_HLS_msn=10&_HLS_part=2'
 * @example contentQuery(new URLSearchParams('CMCD=br%3D300')) // ''
 */
export function contentQuery(params: ContentQueryParams): string {
  const kept: string[] = [];
  for (const name of [...CONTENT_QUERY_PARAMS].sort()) {
    const value = params.get(name);
    if (value !== null) kept.push(`${formEncode(name)}=${formEncode(value)}`);
  }
  return kept.length === 0 ? '' : `?${kept.join('&')}`;
}

/** application/x-www-form-urlencoded serialisation (WHATWG URL §5.2), as URLSearchParams emits it. */
function formEncode(text: string): string {
  return encodeURIComponent(text)
    .replace(/[!'()~]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`)
    .replace(/%20/g, '+');
}
