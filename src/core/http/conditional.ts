/**
 * Conditional revalidation (RFC 9110 §13, RFC 9111 §4.3). Pure: no I/O, no clock.
 *
 * Builds the validators a cache sends upstream and merges a 304's headers into the stored ones.
 * Must not decide freshness (see cache/freshness.ts) or touch bodies.
 */

/** Lower-case header record. */
export type HeaderRecord = Readonly<Record<string, string>>;

/**
 * `If-None-Match` / `If-Modified-Since` for a stored response's validators; empty when it has none.
 *
 * @example conditionalHeaders({ etag: '"v1"' }) // { 'if-none-match': '"v1"' }
 */
export function conditionalHeaders(stored: HeaderRecord): Record<string, string> {
  const out: Record<string, string> = {};
  if (stored.etag !== undefined) out['if-none-match'] = stored.etag;
  if (stored['last-modified'] !== undefined) out['if-modified-since'] = stored['last-modified'];
  return out;
}

/** Headers a 304 must not change in the stored response: they describe the stored body. */
const BODY_HEADERS: ReadonlySet<string> = new Set(['content-length', 'content-encoding', 'content-range']);

/**
 * RFC 9111 §4.3.4: the stored headers updated with those present in the 304, keeping the ones that
 * describe the stored body. Only names in `stored` or listed in `replay` are kept.
 *
 * @example mergeNotModified({ etag: '"a"', 'cache-control': 'max-age=1' }, { 'cache-control': 'max-age=9' }, ['cache-control', 'etag'])
 *   // { etag: '"a"', 'cache-control': 'max-age=9' }
 */
export function mergeNotModified(
  stored: HeaderRecord,
  notModified: HeaderRecord,
  replay: readonly string[],
): Record<string, string> {
  const out: Record<string, string> = { ...stored };
  for (const name of replay) {
    const value = notModified[name];
    if (value !== undefined && !BODY_HEADERS.has(name)) out[name] = value;
  }
  return out;
}
