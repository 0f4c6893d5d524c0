/**
 * Server-Timing: appends `edge;dur=N` to whatever the shield reported (CONTRACT.md "HTTP conventions").
 * Also the one place that guarantees `x-cache` (BYPASS) and `Age` (0) on every response that lacks them.
 *
 * Keeps the shield's `shield;dur` / `origin;dur` entries of this request's response. Cache hits carry
 * no shield entries because none were stored (a stored timing would describe another request).
 * Time comes from the injected clock; in workerd it advances only across I/O, which is what we want
 * to measure.
 */
import type { MiddlewareHandler } from 'hono';
import { type CacheStatus, X_CACHE } from '../../core/http/shield-contract.ts';
import type { EdgeHonoEnv } from '../context.ts';

/** @example app.use(timing(Date.now)) */
export function timing(now: () => number): MiddlewareHandler<EdgeHonoEnv> {
  return async function serverTiming(c, next) {
    const start = now();
    await next();
    const entry = `edge;dur=${Math.max(0, Math.round(now() - start))}`;
    const headers = c.res.headers;
    const upstream = headers.get('server-timing');
    headers.set('server-timing', upstream ? `${upstream}, ${entry}` : entry);
    // DESIGN.md "Response headers": x-cache and Age on every response. Whatever set neither (errors,
    // preflights, /healthz, keys, config errors) did not come from a cache: BYPASS, fresh (RFC 9111 §5.1).
    if (!headers.has(X_CACHE)) headers.set(X_CACHE, 'BYPASS' satisfies CacheStatus);
    if (!headers.has('age')) headers.set('age', '0');
  };
}
