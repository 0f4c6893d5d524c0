/**
 * Media segments, partial segments and init sections: immutable objects served from the edge cache,
 * Range answered from the stored whole object (see fetch-through-cache.ts).
 */
import type { Context } from 'hono';
import type { EdgeHonoEnv } from '../context.ts';
import { type CachedFetchDeps, fetchThroughCache } from './fetch-through-cache.ts';

/** @example app.get('*', (c) => serveSegment(c, deps)) */
export function serveSegment(c: Context<EdgeHonoEnv>, deps: CachedFetchDeps): Promise<Response> {
  return fetchThroughCache(c, deps);
}
