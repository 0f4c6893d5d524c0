/**
 * CORS on every edge response: successes, cache hits, preflights and errors alike.
 *
 * Registered first so it runs last on the way out and sees whatever response the chain produced,
 * including the one `app.onError` built. Must not decide anything else about the response.
 */
import type { MiddlewareHandler } from 'hono';
import { corsHeaders } from '../../core/http/cors.ts';
import type { EdgeHonoEnv } from '../context.ts';

/** @example app.use(cors(config.corsOrigins)) */
export function cors(allowedOrigins: readonly string[]): MiddlewareHandler<EdgeHonoEnv> {
  return async function corsHeadersOnEveryResponse(c, next) {
    await next();
    const headers = corsHeaders(c.req.header('origin') ?? null, allowedOrigins);
    for (const [name, value] of Object.entries(headers)) {
      if (name.toLowerCase() === 'vary') appendVary(c.res.headers, value);
      else c.res.headers.set(name, value);
    }
  };
}

function appendVary(headers: Headers, value: string): void {
  const existing = headers.get('vary');
  const present = (existing ?? '').split(',').map((v) => v.trim().toLowerCase());
  if (present.includes(value.toLowerCase()) || present.includes('*')) return;
  headers.set('vary', existing ? `${existing}, ${value}` : value);
}
