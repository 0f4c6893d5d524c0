/**
 * Playlists (`.m3u8`): fetched and cached untokenized through the shared cache path, then
 * personalised per viewer and region on the way out (manifest/personalize.ts). Must not cache a
 * per-viewer (rewritten, tokenized) playlist: rewriting happens after fetchThroughCache returns.
 *
 * Range is ignored on playlists (RFC 9110 §14.2 lets a server ignore it): a slice of the stored,
 * untokenised object would skip token injection and region policies, and a slice of a per-viewer
 * rewrite is useless to a player. Every GET gets the whole personalised 200, `Accept-Ranges: none`.
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
  const whole = await fetchThroughCache(c, deps, { ranges: false });
  const personal = await personalizePlaylist(c, whole, manifest, memo);
  const headers = new Headers(personal.headers);
  headers.set('accept-ranges', 'none');
  return new Response(personal.body, { status: personal.status, headers });
}
