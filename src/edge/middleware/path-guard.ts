/**
 * Normalises the request path before anything else reads it, and refuses traversal with 400.
 *
 * Everything downstream (routing, cache key, the shield request) uses `c.var.path`, never the raw
 * URL, so one canonical form reaches every tier. Note: workerd's URL parser already resolves literal
 * and `%2e`-encoded dot segments before the Worker runs (see test/edge/path.test.ts); this guard
 * catches what survives parsing (`..%2f`, double encoding, backslash, NUL, control characters).
 */
import type { MiddlewareHandler } from 'hono';
import { normalizeRequestPath } from '../../core/http/path.ts';
import type { EdgeHonoEnv } from '../context.ts';
import { EdgeError } from '../errors.ts';

/** @example app.use(pathGuard()) */
export function pathGuard(): MiddlewareHandler<EdgeHonoEnv> {
  return async function pathGuard(c, next) {
    const result = normalizeRequestPath(rawPathOf(c.req.url));
    if (!result.ok) throw new EdgeError('EDGE_ERR_BAD_PATH', `path refused: ${result.error.reason}`);
    c.set('path', result.value);
    await next();
  };
}

/**
 * The still-encoded path as the Worker received it. Sliced from the URL text rather than read from
 * `URL.pathname` so nothing re-encodes or re-resolves it on the way to the normaliser.
 */
function rawPathOf(url: string): string {
  const afterScheme = url.indexOf('//') + 2;
  const pathStart = url.indexOf('/', afterScheme);
  if (pathStart === -1) return '/';
  const end = url.slice(pathStart).search(/[?#]/);
  return end === -1 ? url.slice(pathStart) : url.slice(pathStart, pathStart + end);
}
