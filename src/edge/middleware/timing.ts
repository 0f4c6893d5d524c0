/**
 * Server-Timing: appends `edge;dur=N` to whatever the shield reported (CONTRACT.md "HTTP conventions").
 *
 * Keeps the shield's `shield;dur` / `origin;dur` entries of this request's response. Cache hits carry
 * no shield entries because none were stored (a stored timing would describe another request).
 * Time comes from the injected clock; in workerd it advances only across I/O, which is what we want
 * to measure.
 */
import type { MiddlewareHandler } from 'hono';
import type { EdgeHonoEnv } from '../context.ts';

/** @example app.use(timing(Date.now)) */
export function timing(now: () => number): MiddlewareHandler<EdgeHonoEnv> {
  return async function serverTiming(c, next) {
    const start = now();
    await next();
    const entry = `edge;dur=${Math.max(0, Math.round(now() - start))}`;
    const upstream = c.res.headers.get('server-timing');
    c.res.headers.set('server-timing', upstream ? `${upstream}, ${entry}` : entry);
  };
}
