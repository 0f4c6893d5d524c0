/**
 * Which tenant owns a path: path prefixes owned by exactly one tenant, longest match wins. Pure.
 *
 * A tenant's signing keys open nothing outside its prefixes, and its geo rules and manifest policies
 * apply only inside them. Prefixes of different tenants never nest (one would silently take part of
 * the other's namespace), and `/` alone is nobody's (it would be every path).
 */
export interface OwnedPrefix {
  readonly prefix: string;
  readonly tenant: string;
}

// RFC 3986 pchar plus '/', without '%' (paths are normalised before matching) and without '*'.
const PREFIX = /^\/(?:[A-Za-z0-9._~!$&'()+,;=:@-]+\/)+$/;

/** A tenant path prefix: `/a/` or `/a/b/` — segments, leading and trailing slash, no dot segments. */
export function isValidPrefix(prefix: unknown): prefix is string {
  return (
    typeof prefix === 'string' &&
    prefix.length <= 256 &&
    PREFIX.test(prefix) &&
    !prefix.split('/').some((s) => s === '.' || s === '..')
  );
}

/** The item with the longest `prefix` that `path` starts with (the first on ties), if any. */
export function longestPrefix<T extends { readonly prefix: string }>(
  items: readonly T[],
  path: string,
): T | undefined {
  let best: T | undefined;
  for (const p of items) {
    if (path.startsWith(p.prefix) && (!best || p.prefix.length > best.prefix.length)) best = p;
  }
  return best;
}

/** The owner of `path` (longest owned prefix), if any. */
export function ownerOf(prefixes: readonly OwnedPrefix[], path: string): OwnedPrefix | undefined {
  return longestPrefix(prefixes, path);
}

/** An existing prefix of another tenant that `prefix` would nest with, if any. */
export function conflictingPrefix(
  prefixes: readonly OwnedPrefix[],
  prefix: string,
  tenant: string,
): OwnedPrefix | undefined {
  return prefixes.find(
    (p) => p.tenant !== tenant && (p.prefix.startsWith(prefix) || prefix.startsWith(p.prefix)),
  );
}

/**
 * Is a path or ACL pattern inside one of `owned`? For a pattern, its literal part before the first `*`
 * must start with an owned prefix, so `/t1/*\/master.m3u8` stays inside `/t1/`.
 */
export function insideOwned(owned: readonly string[], pathOrPattern: string): boolean {
  const star = pathOrPattern.indexOf('*');
  const literal = star === -1 ? pathOrPattern : pathOrPattern.slice(0, star);
  return owned.some((p) => literal.startsWith(p));
}
