/**
 * Request path normalisation shared by edge, shield and packager. Pure: no I/O.
 *
 * Every tier maps URL paths onto a namespace (a cache, an upstream, a directory), so every tier must
 * agree on one canonical form and refuse traversal before anything else looks at the path. We decode
 * each segment exactly once and reject anything that would mean something different to a component
 * that decodes again (double encoding) or splits on another separator (backslash, encoded slash).
 */
import { err, ok, type Result } from '../result.ts';

export type PathIssue =
  | { readonly reason: 'not-absolute' }
  | { readonly reason: 'bad-encoding'; readonly segment: string }
  | { readonly reason: 'traversal'; readonly segment: string }
  | { readonly reason: 'forbidden-character'; readonly segment: string }
  | { readonly reason: 'too-long'; readonly length: number };

/** Longest raw path we accept; far above any real HLS URI, far below anything that hurts. */
export const MAX_PATH_LENGTH = 2048;

const DOUBLE_ENCODED = /%(2e|2f|5c|25|00)/i;
// Control characters, backslash and NUL never appear in legitimate media paths.
// biome-ignore lint/suspicious/noControlCharactersInRegex: rejecting control characters is the point
const FORBIDDEN = /[\u0000-\u001f\u007f\\]/;

/**
 * Returns the canonical form of a raw (still percent-encoded) URL path, or why it is refused.
 * Empty segments (`//`) collapse; a trailing slash is kept.
 *
 * @example normalizeRequestPath('/vod//a%20b/x.ts') // ok('/vod/a%20b/x.ts')
 * @example normalizeRequestPath('/vod/%2e%2e/secret') // err({ reason: 'traversal', … })
 */
export function normalizeRequestPath(rawPath: string): Result<string, PathIssue> {
  if (rawPath.length > MAX_PATH_LENGTH) return err({ reason: 'too-long', length: rawPath.length });
  if (!rawPath.startsWith('/')) return err({ reason: 'not-absolute' });
  const out: string[] = [];
  const rawSegments = rawPath.split('/');
  for (const raw of rawSegments) {
    if (raw === '') continue;
    let decoded: string;
    try {
      decoded = decodeURIComponent(raw);
    } catch {
      return err({ reason: 'bad-encoding', segment: raw });
    }
    if (decoded === '.' || decoded === '..') return err({ reason: 'traversal', segment: raw });
    if (decoded.includes('/') || DOUBLE_ENCODED.test(decoded))
      return err({ reason: 'traversal', segment: raw });
    if (FORBIDDEN.test(decoded)) return err({ reason: 'forbidden-character', segment: raw });
    out.push(encodePathSegment(decoded));
  }
  const trailing = rawPath.length > 1 && rawPath.endsWith('/') && out.length > 0 ? '/' : '';
  return ok(`/${out.join('/')}${trailing}`);
}

/** Decoded segments of an already-normalised path, for mapping onto a file system or a key. */
export function pathSegments(normalizedPath: string): string[] {
  return normalizedPath
    .split('/')
    .filter((s) => s !== '')
    .map((s) => decodeURIComponent(s));
}

/** RFC 3986 pchar encoding: keeps unreserved and sub-delims readable, encodes the rest. */
function encodePathSegment(segment: string): string {
  return encodeURIComponent(segment).replace(/%(21|24|26|27|28|29|2A|2B|2C|3B|3D|3A|40)/g, (m) =>
    decodeURIComponent(m),
  );
}
