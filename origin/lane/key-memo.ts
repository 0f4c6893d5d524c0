/**
 * The key memo: raw request URL → cache key for the hit lookup (hit-lookup.ts), so a repeated URL
 * costs one Map lookup instead of a path normalisation and a query parse. Bounded (cleared whole
 * when full). Must not decide anything but the key: freshness and auth are the lookup's.
 */

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
