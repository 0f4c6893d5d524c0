/**
 * Normalises the request path before anything else reads it, and refuses traversal with 400.
 *
 * Everything downstream (routing, cache key, the shield request) uses `c.var.path`, never the raw
 * URL, so one canonical form reaches every tier. Note: workerd's URL parser already resolves literal
 * and `%2e`-encoded dot segments before the Worker runs (see test/edge/path.test.ts); this guard
 * catches what survives parsing (`..%2f`, double encoding, backslash, NUL, control characters).
 * A `/~t/<token>` prefix is split off here: `c.var.path` never holds a token, `c.var.pathToken` keeps
 * it for the auth middleware. Must not verify the token (auth does).
 */
import type { MiddlewareHandler } from 'hono';
import { splitPathToken } from '../../core/auth/sources.ts';
import { normalizeRequestPath } from '../../core/http/path.ts';
import type { EdgeHonoEnv } from '../context.ts';
import { EdgeError } from '../errors.ts';

/** @example app.use(pathGuard()) */
export function pathGuard(): MiddlewareHandler<EdgeHonoEnv> {
  return async function pathGuard(c, next) {
    const raw = rawPathOf(c.req.url);
    const result = normalizeRequestPath(raw);
    if (!result.ok) {
      // Egress still records this 400 by c.var.path: give it the raw path minus any token.
      c.set('path', splitPathToken(raw)?.rest ?? raw);
      throw new EdgeError('EDGE_ERR_BAD_PATH', `path refused: ${result.error.reason}`);
    }
    // Strip the token here, not in auth: a 405, a preflight or an error before auth still has its
    // path logged and written to the egress record, and neither may carry a credential.
    const fromPath = splitPathToken(result.value);
    c.set('path', fromPath?.rest ?? result.value);
    c.set('pathToken', fromPath?.token);
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
