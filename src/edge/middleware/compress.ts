/**
 * Playlist compression on the way out (issue 5): picks brotli or gzip from Accept-Encoding and sets
 * Content-Encoding; the Workers runtime then encodes the body itself (Response `encodeBody:
 * "automatic"`, the default), which is also the only way to get brotli: workerd's CompressionStream
 * offers gzip/deflate only. Playlists only: segments are already-compressed media and are never
 * re-encoded. Runs after the playlist route, so a per-viewer rewritten playlist is what gets encoded.
 * Must not touch the cache (stored objects stay identity-encoded) or any non-playlist response.
 */
import type { MiddlewareHandler } from 'hono';
import { contentKindOf } from '../../core/hls/content-kind.ts';
import type { EdgeHonoEnv } from '../context.ts';

export type PlaylistEncoding = 'br' | 'gzip';

/** Playlists smaller than this go out as they are: the encoding overhead outweighs the gain. */
export const MIN_COMPRESS_BYTES = 256;

/**
 * RFC 9110 §12.5.3: the best coding the client accepts (q > 0), brotli before gzip on ties.
 *
 * @example negotiatePlaylistEncoding('gzip, deflate, br') // 'br'
 * @example negotiatePlaylistEncoding('br;q=0, gzip') // 'gzip'
 */
export function negotiatePlaylistEncoding(
  acceptEncoding: string | null | undefined,
): PlaylistEncoding | undefined {
  if (!acceptEncoding) return undefined;
  const q = new Map<string, number>();
  for (const part of acceptEncoding.split(',')) {
    const [name = '', ...params] = part.trim().toLowerCase().split(';');
    const qParam = params.map((p) => p.trim()).find((p) => p.startsWith('q='));
    const value = qParam === undefined ? 1 : Number(qParam.slice(2));
    if (name !== '' && !q.has(name)) q.set(name, Number.isFinite(value) ? value : 0);
  }
  const star = q.get('*') ?? 0;
  const br = q.get('br') ?? star;
  const gzip = q.get('gzip') ?? star;
  if (br <= 0 && gzip <= 0) return undefined;
  return br >= gzip ? 'br' : 'gzip';
}

/** @example app.use(compressPlaylists(config.cache.compressPlaylists)) */
export function compressPlaylists(enabled: boolean): MiddlewareHandler<EdgeHonoEnv> {
  return async function compressPlaylists(c, next) {
    await next();
    const path = c.var.path as string | undefined;
    if (!enabled || path === undefined || contentKindOf(path) !== 'playlist') return;
    const headers = c.res.headers;
    // The representation depends on Accept-Encoding whether or not this response was encoded.
    appendVary(headers, 'Accept-Encoding');
    if (c.res.status !== 200 || headers.has('content-encoding')) return;
    const length = Number(headers.get('content-length') ?? Number.NaN);
    if (Number.isFinite(length) && length < MIN_COMPRESS_BYTES) return;
    const encoding = negotiatePlaylistEncoding(clientAcceptEncoding(c.req.raw));
    if (encoding === undefined) return;
    headers.set('content-encoding', encoding);
    headers.delete('content-length');
  };
}

/**
 * What the viewer really accepts. Cloudflare rewrites the Worker's `Accept-Encoding` to "br, gzip"
 * and keeps the client's original in `request.cf.clientAcceptEncoding` (Miniflare does the same);
 * negotiating on the rewritten header would send brotli to gzip-only players.
 */
function clientAcceptEncoding(request: Request): string | null {
  const cf = (request as { cf?: { clientAcceptEncoding?: unknown } }).cf;
  if (typeof cf?.clientAcceptEncoding === 'string') return cf.clientAcceptEncoding;
  return request.headers.get('accept-encoding');
}

function appendVary(headers: Headers, value: string): void {
  const existing = headers.get('vary');
  const present = (existing ?? '').split(',').map((v) => v.trim().toLowerCase());
  if (present.includes(value.toLowerCase()) || present.includes('*')) return;
  headers.set('vary', existing ? `${existing}, ${value}` : value);
}
