/**
 * Which objects a shield may warm ahead of viewers: the segments a media playlist is about to be
 * asked for, or the next object a player announced with CMCD `nor`. Pure: no I/O, no clock.
 *
 * Only same-origin references become candidates (a relative URI or an absolute path): the shield
 * fetches from its packagers and nowhere else, so absolute `http(s)://` URIs are skipped rather than
 * followed. Must not decide what is cached or in flight (the shield filters candidates) and must not
 * throw on bad input: a playlist that does not parse, or a reference that does not normalise, just
 * yields fewer candidates.
 */

import type { UriLine } from '../hls/model.ts';
import { parsePlaylist } from '../hls/parse.ts';
import { normalizeRequestPath } from '../http/path.ts';
import { contentQuery } from './upstream-query.ts';

/** One object to warm: its cache key and what to ask the packager for (the same string). */
export interface PrefetchTarget {
  readonly key: string;
}

/**
 * Segments to warm after `text` (a media playlist served at `playlistPath`) passed through.
 *
 * VOD (EXT-X-ENDLIST): a viewer who loads the playlist starts at the top, so the first `limit`
 * segments. Live: players start near the live edge (RFC 8216 §6.3.3: "SHOULD NOT choose a segment
 * which starts less than three target durations from the end") and then follow it, so the newest
 * `limit` segments, newest last. A master playlist, or text that is not a playlist, yields nothing.
 *
 * @example
 *   playlistPrefetchTargets('#EXTM3U\n#EXT-X-TARGETDURATION:2\n#EXTINF:2,\na.ts\n#EXT-X-ENDLIST\n', '/v/360p/index.m3u8', 3)
 *   // [{ key: '/v/360p/a.ts' }]
 */
export function playlistPrefetchTargets(text: string, playlistPath: string, limit: number): PrefetchTarget[] {
  if (limit <= 0) return [];
  const { playlist, issues } = parsePlaylist(text);
  if (playlist.kind !== 'media' || issues.some((i) => i.fatal)) return [];
  const refs = playlist.endList ? playlist.segments.slice(0, limit) : playlist.segments.slice(-limit);
  const out: PrefetchTarget[] = [];
  for (const ref of refs) {
    const line = playlist.lines[ref.uriLine];
    if (line?.type !== 'uri') continue;
    const key = resolveReference((line as UriLine).uri, playlistPath);
    if (key !== undefined && !out.some((t) => t.key === key)) out.push({ key });
  }
  return out;
}

/**
 * The object a CMCD `nor` (CTA-5004 "next object request") names, relative to the request path.
 * CTA-5004: nor "MUST be a path relative to the current request" and is URL-encoded; CMCD v2 may
 * send an inner list, in which case the first entry is used.
 *
 * @example cmcdPrefetchTarget('seg_00002.ts', '/vod/ts/360p/seg_00001.ts') // { key: '/vod/ts/360p/seg_00002.ts' }
 */
export function cmcdPrefetchTarget(nor: unknown, requestPath: string): PrefetchTarget | undefined {
  const first = Array.isArray(nor) ? nor[0] : nor;
  if (typeof first !== 'string' || first === '' || first.length > 1024) return undefined;
  let decoded: string;
  try {
    decoded = decodeURIComponent(first);
  } catch {
    return undefined;
  }
  const key = resolveReference(decoded, requestPath);
  return key === undefined ? undefined : { key };
}

const SCHEME = /^[a-z][a-z0-9+.-]*:/i;

/**
 * Resolves a URI reference against a base path (RFC 3986 §5.2) to a shield cache key
 * (normalised path + content query), or `undefined` for other hosts and unusable paths.
 */
export function resolveReference(uri: string, basePath: string): string | undefined {
  const ref = uri.trim();
  if (ref === '' || SCHEME.test(ref) || ref.startsWith('//')) return undefined;
  const hash = ref.indexOf('#');
  const noFragment = hash === -1 ? ref : ref.slice(0, hash);
  const q = noFragment.indexOf('?');
  const refPath = q === -1 ? noFragment : noFragment.slice(0, q);
  const query = q === -1 ? '' : noFragment.slice(q + 1);
  if (refPath === '') return undefined;
  const merged = refPath.startsWith('/')
    ? refPath
    : `${basePath.slice(0, basePath.lastIndexOf('/') + 1)}${refPath}`;
  const path = removeDotSegments(merged);
  if (path === undefined) return undefined;
  const normalized = normalizeRequestPath(path);
  if (!normalized.ok) return undefined;
  return `${normalized.value}${contentQuery(queryParams(query))}`;
}

/** RFC 3986 §5.2.4, refusing to climb above the root (that is traversal, not a reference). */
function removeDotSegments(path: string): string | undefined {
  const out: string[] = [];
  const parts = path.split('/');
  for (const [i, part] of parts.entries()) {
    if (part === '.') continue;
    if (part === '..') {
      if (out.length <= 1) return undefined;
      out.pop();
      continue;
    }
    if (i === 0 || part !== '') out.push(part);
  }
  return out.join('/') || '/';
}

/** A minimal `get` over a raw query string (form-decoded; the first value wins). */
function queryParams(query: string): { get(name: string): string | null } {
  const pairs = new Map<string, string>();
  for (const pair of query.split('&')) {
    if (pair === '') continue;
    const eq = pair.indexOf('=');
    try {
      const name = decodeURIComponent((eq === -1 ? pair : pair.slice(0, eq)).replace(/\+/g, ' '));
      const value = eq === -1 ? '' : decodeURIComponent(pair.slice(eq + 1).replace(/\+/g, ' '));
      if (!pairs.has(name)) pairs.set(name, value);
    } catch {
      // A malformed pair cannot be a content parameter we would honour.
    }
  }
  return { get: (name) => pairs.get(name) ?? null };
}
