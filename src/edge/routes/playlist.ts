/**
 * Playlists (`.m3u8`): fetched and cached untokenized through the shared cache path.
 *
 * DESIGN.md "Manifest rewrite": per-region and per-viewer rewriting (token injection, rendition caps)
 * happens after the cache, in this route, once it exists; until then the stored playlist is served
 * as the shield sent it. Must not cache a per-viewer (rewritten, tokenized) playlist.
 */
import type { Context } from 'hono';
import type { EdgeHonoEnv } from '../context.ts';
import { type CachedFetchDeps, fetchThroughCache } from './fetch-through-cache.ts';

/** @example app.get('*', (c) => servePlaylist(c, deps)) */
export function servePlaylist(c: Context<EdgeHonoEnv>, deps: CachedFetchDeps): Promise<Response> {
  return fetchThroughCache(c, deps);
}
