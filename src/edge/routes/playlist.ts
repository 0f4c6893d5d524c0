/**
 * Playlists (`.m3u8`): fetched and cached untokenized through the shared cache path, then
 * personalised per viewer and region on the way out (manifest/personalize.ts). Must not cache a
 * per-viewer (rewritten, tokenized) playlist: rewriting happens after fetchThroughCache returns.
 */
import type { Context } from 'hono';
import type { ManifestConfig } from '../config-manifest.ts';
import type { EdgeHonoEnv } from '../context.ts';
import type { ParseMemo } from '../manifest/parse-memo.ts';
import { personalizePlaylist } from '../manifest/personalize.ts';
import { type CachedFetchDeps, fetchThroughCache } from './fetch-through-cache.ts';

/** @example app.get('*', (c) => servePlaylist(c, deps, config.manifest, memo)) */
export async function servePlaylist(
  c: Context<EdgeHonoEnv>,
  deps: CachedFetchDeps,
  manifest: ManifestConfig,
  memo: ParseMemo,
): Promise<Response> {
  return personalizePlaylist(c, await fetchThroughCache(c, deps), manifest, memo);
}
