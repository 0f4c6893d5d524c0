/**
 * Content keys (`.key`): always fetched through to the shield, never stored at the edge.
 *
 * Keys are per-viewer (the auth middleware decides who may have one), so a shared cache must never
 * answer a key request: the response is `Cache-Control: private, no-store` whatever the shield said,
 * so no cache after us stores it either.
 */
import type { Context } from 'hono';
import type { EdgeHonoEnv } from '../context.ts';
import type { ShieldClient } from '../shield-client.ts';
import { objectAddress } from './fetch-through-cache.ts';
import { viewerHeadersFrom, X_CACHE } from './shield-headers.ts';

/** @example app.get('*', (c) => fetchKey(c, shield)) */
export async function fetchKey(c: Context<EdgeHonoEnv>, shield: ShieldClient): Promise<Response> {
  const response = await shield.get(objectAddress(c));
  const headers = viewerHeadersFrom(response.headers);
  headers.set('cache-control', 'private, no-store');
  // Never from a cache (ours or one after us): a fresh copy, whatever age the shield reported.
  headers.set('age', '0');
  headers.set(X_CACHE, 'BYPASS');
  const body = c.req.method === 'HEAD' ? null : response.body;
  if (body === null) await response.body?.cancel();
  return new Response(body, { status: response.status, headers });
}
