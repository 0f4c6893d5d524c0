/**
 * Token ACL matching: does a path fall under one of a token's path patterns. Pure: no I/O.
 *
 * A pattern is a path prefix with `*` matching any run of characters (slashes included, as in Akamai
 * EdgeAuth and CloudFront policies). Without a trailing `/` or `*` the prefix only matches at a
 * segment boundary, so `/vod/a` opens `/vod/a/x.ts` but not `/vod/ab/x.ts`. Matching is linear in the
 * input (no regular expressions built from token content: no ReDoS).
 */

/**
 * @example aclAllows(['/vod/ts/'], '/vod/ts/360p/seg_00000.ts') // true
 * @example aclAllows(['/vod/*\/master.m3u8'], '/vod/ts/master.m3u8') // true
 */
export function aclAllows(acl: readonly string[], path: string): boolean {
  return acl.some((pattern) => patternAllows(pattern, path));
}

function patternAllows(pattern: string, path: string): boolean {
  if (pattern === '' || pattern === '*') return pattern === '*';
  if (pattern.endsWith('*') || pattern.endsWith('/')) return globPrefix(pattern, path) !== undefined;
  const end = globPrefixEnds(pattern, path);
  return end.some((i) => i === path.length || path[i] === '/');
}

/** Some end offset where `pattern` (with `*`) matches a prefix of `text`, or undefined. */
function globPrefix(pattern: string, text: string): number | undefined {
  return globPrefixEnds(pattern, text)[0];
}

/**
 * Every offset at which `pattern` can finish matching a prefix of `text`. Dynamic programming over
 * (pattern position, text position): O(|pattern| × |text|), both bounded by token and path limits.
 */
function globPrefixEnds(pattern: string, text: string): number[] {
  const reachable = globReachable(pattern, text, false);
  const ends: number[] = [];
  for (let i = 0; i <= text.length; i++) if (reachable[i]) ends.push(i);
  return ends;
}

/** Whole-string glob match (`*` any run, `?` one character): CloudFront policy resources. */
export function globMatches(pattern: string, text: string): boolean {
  return globReachable(pattern, text, true)[text.length] === 1;
}

/** `reachable[i] === 1` when `pattern` matches `text.slice(0, i)`; `?` is a wildcard only if asked. */
function globReachable(pattern: string, text: string, questionMarkIsWildcard: boolean): Uint8Array {
  let reachable = new Uint8Array(text.length + 1);
  reachable[0] = 1;
  for (const ch of pattern) {
    const next = new Uint8Array(text.length + 1);
    if (ch === '*') {
      let seen = 0;
      for (let i = 0; i <= text.length; i++) {
        seen |= reachable[i] ?? 0;
        next[i] = seen;
      }
    } else {
      const any = questionMarkIsWildcard && ch === '?';
      for (let i = 0; i < text.length; i++) {
        if (reachable[i] && (any || text[i] === ch)) next[i + 1] = 1;
      }
    }
    reachable = next;
  }
  return reachable;
}
