/**
 * Edge purge, the pure part: what an operator's purge request names (exact objects and path
 * prefixes), whether a stored object is covered by a purge recorded after it was fetched, and the
 * `Cache-Tag` values a stored response carries for a Cloudflare purge by tag. No I/O, no clock: the
 * edge hands in the recorded purges and the stored object's fetch time.
 *
 * Why timestamps and not deletes: the Cache API deletes one exact key in one data center, and a prefix
 * names keys nobody can list. A purge is therefore recorded (target, time) in a store every isolate
 * reads, and a stored object fetched at or before a matching purge counts as absent.
 */
import { normalizeRequestPath } from '../http/path.ts';
import { err, ok, type Result } from '../result.ts';
import { keyQuery } from './key.ts';
import type { ContentQueryParams } from './upstream-query.ts';

/**
 * Splits a raw URL or path into its (still encoded) path and query parameters, or undefined when it
 * is no URL. The edge supplies it from WHATWG `URL`; core has no URL global.
 */
export type SplitUrl = (
  raw: string,
) => { readonly path: string; readonly params: ContentQueryParams } | undefined;

/** `url=` / `prefix=` values from the purge request's query string. */
export interface PurgeQuery {
  readonly urls: readonly string[];
  readonly prefixes: readonly string[];
}

/** Targets as the edge keys them: `urls` are normalised path + key query, `prefixes` normalised paths. */
export interface PurgeTargets {
  readonly urls: readonly string[];
  readonly prefixes: readonly string[];
}

/** One recorded purge: everything under `target` (prefix) or exactly `target` (url) fetched until `at`. */
export interface PurgeEntry {
  readonly kind: 'url' | 'prefix';
  readonly target: string;
  /** ms since the epoch at which the purge was recorded. */
  readonly at: number;
}

/** Bounds one request's work: targets per request, characters per target. */
export const MAX_PURGE_TARGETS = 100;
export const MAX_PURGE_TARGET_CHARS = 400;

/** Directory depth that still gets a `Cache-Tag` (deeper objects are purged by their parents' tags). */
const MAX_TAG_DEPTH = 8;
/** Namespace of our tags among the zone's other Cache-Tag values. */
export const PATH_TAG_PREFIX = 'path:';

/**
 * Reads `{"url"|"urls"|"prefix"|"prefixes": string | string[]}` (JSON body) plus `url=` / `prefix=`
 * query parameters. A URL may be absolute (its host is ignored: a purge covers every host the edge
 * serves) or a path; its key query is kept as the cache key keeps it (`keyParams`). A prefix starts
 * with `/`; a trailing slash is kept, so `/live/` never matches `/livestream`.
 *
 * @example parsePurgeTargets({ prefix: '/vod/t1/' }, { urls: [], prefixes: [] }, [], split) // ok({ urls: [], prefixes: ['/vod/t1/'] })
 */
export function parsePurgeTargets(
  body: unknown,
  query: PurgeQuery,
  keyParams: readonly string[],
  splitUrl: SplitUrl,
): Result<PurgeTargets, string> {
  if (body !== undefined && (typeof body !== 'object' || body === null || Array.isArray(body)))
    return err('the body must be a JSON object');
  const fields = (body ?? {}) as Record<string, unknown>;
  const rawUrls: string[] = [...query.urls];
  const rawPrefixes: string[] = [...query.prefixes];
  for (const [name, into] of [
    ['url', rawUrls],
    ['urls', rawUrls],
    ['prefix', rawPrefixes],
    ['prefixes', rawPrefixes],
  ] as const) {
    const value = fields[name];
    if (value === undefined) continue;
    const list = Array.isArray(value) ? value : [value];
    if (!list.every((v): v is string => typeof v === 'string'))
      return err(`"${name}" must be a string or an array of strings`);
    into.push(...list);
  }
  const count = rawUrls.length + rawPrefixes.length;
  if (count === 0) return err('name at least one "url" or "prefix"');
  if (count > MAX_PURGE_TARGETS) return err(`at most ${MAX_PURGE_TARGETS} targets per request, got ${count}`);
  const urls: string[] = [];
  for (const raw of rawUrls) {
    const url = splitUrl(raw);
    const path = url === undefined ? undefined : normalizeRequestPath(url.path);
    if (url === undefined || path === undefined || !path.ok)
      return err(`url ${JSON.stringify(raw)} is not a valid path`);
    urls.push(`${path.value}${keyQuery(url.params, keyParams)}`);
  }
  const prefixes: string[] = [];
  for (const raw of rawPrefixes) {
    const path = raw.startsWith('/') ? normalizeRequestPath(raw) : undefined;
    if (path === undefined || !path.ok)
      return err(`prefix ${JSON.stringify(raw)} must be a valid path starting with /`);
    prefixes.push(raw.endsWith('/') && !path.value.endsWith('/') ? `${path.value}/` : path.value);
  }
  const tooLong = [...urls, ...prefixes].find((t) => t.length > MAX_PURGE_TARGET_CHARS);
  if (tooLong !== undefined) return err(`targets are at most ${MAX_PURGE_TARGET_CHARS} characters`);
  return ok({ urls: [...new Set(urls)], prefixes: [...new Set(prefixes)] });
}

/**
 * Whether a stored object (its path + key query, and when its bytes were fetched) is purged: some
 * entry names it, exactly or by prefix, and was recorded at or after the fetch. Linear in entries
 * (the edge bounds them).
 *
 * @example purgeCovers([{ kind: 'prefix', target: '/vod/', at: 10 }], '/vod/a.ts', 5) // true
 */
export function purgeCovers(
  entries: readonly PurgeEntry[],
  pathAndQuery: string,
  fetchedAt: number,
): boolean {
  for (const e of entries) {
    if (e.at < fetchedAt) continue;
    if (e.kind === 'url' ? e.target === pathAndQuery : pathAndQuery.startsWith(e.target)) return true;
  }
  return false;
}

/**
 * `Cache-Tag` values for an object at `path`: one per enclosing directory (`path:/vod/`,
 * `path:/vod/t1/`, …, at most 8 levels), so a Cloudflare purge by tag removes a directory's objects
 * from every data center.
 *
 * @example cacheTagsFor('/vod/t1/360p/seg_1.ts') // ['path:/vod/', 'path:/vod/t1/', 'path:/vod/t1/360p/']
 */
export function cacheTagsFor(path: string): string[] {
  const segments = path.split('/').slice(1, -1);
  const tags: string[] = [];
  let dir = '/';
  for (const segment of segments.slice(0, MAX_TAG_DEPTH)) {
    dir = `${dir}${segment}/`;
    // Cloudflare caps one tag at 1024 characters; commas separate tags and spaces are not allowed.
    if (dir.length + PATH_TAG_PREFIX.length > 1024 || /[\s,]/.test(dir)) break;
    tags.push(`${PATH_TAG_PREFIX}${dir}`);
  }
  return tags;
}
