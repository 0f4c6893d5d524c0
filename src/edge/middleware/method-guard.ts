/**
 * Only GET and HEAD reach the routes; OPTIONS is answered here as a CORS preflight; anything else is
 * 405 with `Allow` (CONTRACT.md "HTTP conventions"). Must not look at the path or the cache.
 */
import type { MiddlewareHandler } from 'hono';
import { corsPreflightHeaders } from '../../core/http/cors.ts';
import type { EdgeHonoEnv } from '../context.ts';
import { EdgeError } from '../errors.ts';

/** @example app.use(methodGuard(config.corsOrigins)) */
export function methodGuard(allowedOrigins: readonly string[]): MiddlewareHandler<EdgeHonoEnv> {
  return async function methodGuard(c, next) {
    const method = c.req.method;
    if (method === 'GET' || method === 'HEAD') {
      await next();
      return;
    }
    if (method === 'OPTIONS') {
      const headers = corsPreflightHeaders(c.req.header('origin') ?? null, allowedOrigins);
      return c.body(null, 204, headers);
    }
    throw new EdgeError('EDGE_ERR_METHOD_NOT_ALLOWED', `method ${method} not allowed`);
  };
}
