/**
 * Which shield response headers reach the viewer and the edge cache, and the edge's own cache status.
 *
 * An allowlist, not a denylist: whatever the shield (or a packager behind it) adds stays behind the
 * edge unless listed here. Must not read the viewer's request.
 */
import { parseCacheControl } from '../../core/http/cache-control.ts';

/** Representation headers kept from the shield (RFC 9110 §8, RFC 9111 §5.1 `Age`). */
const KEPT = ['content-type', 'content-length', 'etag', 'last-modified', 'cache-control', 'age'] as const;

export const X_CACHE = 'x-cache';
export const X_CACHE_SHIELD = 'x-cache-shield';
/** Edge-internal: when the edge stored the object (ms since epoch). Stripped before any response. */
export const STORED_AT = 'x-edgeshield-stored-at';

export type EdgeCacheStatus = 'HIT' | 'MISS' | 'BYPASS';

/**
 * Representation headers for the viewer. The shield's `x-cache` becomes `x-cache-shield` and its
 * Server-Timing entries are kept (the timing middleware appends `edge;dur`).
 */
export function viewerHeadersFrom(shield: Headers): Headers {
  const out = representationHeadersFrom(shield);
  const shieldCache = shield.get(X_CACHE);
  if (shieldCache !== null) out.set(X_CACHE_SHIELD, shieldCache);
  const timing = shield.get('server-timing');
  if (timing !== null) out.set('server-timing', timing);
  return out;
}

/**
 * What goes into the edge cache: the representation only. Per-request facts (the shield's cache
 * status and timings) are left out so a later hit does not report a shield visit it never made.
 */
export function storedHeadersFrom(shield: Headers, storedAt: number): Headers {
  const out = representationHeadersFrom(shield);
  out.set(STORED_AT, String(storedAt));
  return out;
}

function representationHeadersFrom(shield: Headers): Headers {
  const out = new Headers();
  for (const name of KEPT) {
    const value = shield.get(name);
    if (value !== null) out.set(name, value);
  }
  // fetch() hands us a decoded body when the shield compressed it; its length no longer matches.
  if (shield.has('content-encoding')) out.delete('content-length');
  return out;
}

/**
 * Whether the edge may store this shield response (DESIGN.md "Cache key": never Set-Cookie, never
 * errors, never 206 slices). `no-cache` needs revalidation, which the edge does not do yet.
 */
export function isStorableAtEdge(response: Response): boolean {
  if (response.status !== 200) return false;
  if (response.headers.has('set-cookie')) return false;
  if (response.headers.get('vary')?.trim() === '*') return false;
  const cc = parseCacheControl(response.headers.get('cache-control'));
  return !cc.has('private') && !cc.has('no-store') && !cc.has('no-cache');
}

/**
 * RFC 9111 §4.2.3 current age for a stored object: the age it had when stored plus the time it has
 * resided here. Computed by us because the Cache API does not advance `Age` (Miniflare returns the
 * value from put time).
 */
export function currentAgeSeconds(stored: Headers, now: number): number | undefined {
  const storedAt = Number(stored.get(STORED_AT));
  if (!Number.isFinite(storedAt) || storedAt <= 0) return undefined;
  const initial = Number(stored.get('age') ?? '0');
  const base = Number.isFinite(initial) && initial > 0 ? Math.floor(initial) : 0;
  return base + Math.max(0, Math.floor((now - storedAt) / 1000));
}
