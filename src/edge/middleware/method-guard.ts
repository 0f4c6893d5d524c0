/**
 * Only GET and HEAD reach the HLS routes; OPTIONS is answered here as a CORS preflight; anything else is
 * 405 with `Allow` (CONTRACT.md "HTTP conventions"). WHIP/WHEP paths (issue 16) take POST on the
 * endpoint and PATCH/DELETE on the session instead, or 501 when RTC_URLS is unset; other POST/PATCH/DELETE
 * under /whep/ or /whip/ are 404. Must not look at the cache.
 */
import type { MiddlewareHandler } from 'hono';
import { corsPreflightHeaders } from '../../core/http/cors.ts';
import { parseRtcPath } from '../../core/webrtc/contract.ts';
import { isRtcPrefix } from '../../core/webrtc/edge-rules.ts';
import type { EdgeHonoEnv } from '../context.ts';
import { EdgeError, edgeErrorBody } from '../errors.ts';

/** @example app.use(methodGuard(config.corsOrigins, config.rtc !== undefined)) */
export function methodGuard(
  allowedOrigins: readonly string[],
  rtcEnabled = false,
): MiddlewareHandler<EdgeHonoEnv> {
  return async function methodGuard(c, next) {
    const method = c.req.method;
    const rtc = parseRtcPath(c.var.path);
    const allow = rtc === undefined ? undefined : rtc.session ? ['PATCH', 'DELETE'] : ['POST'];
    if (allow === undefined && (method === 'GET' || method === 'HEAD')) {
      await next();
      return;
    }
    if (method === 'OPTIONS') {
      const headers = corsPreflightHeaders(c.req.header('origin') ?? null, allowedOrigins);
      if (allow && 'Access-Control-Allow-Methods' in headers) {
        headers['Access-Control-Allow-Methods'] = [...allow, 'OPTIONS'].join(', ');
        headers['Access-Control-Allow-Headers'] = 'Authorization, Content-Type, If-Match';
      }
      return c.body(null, 204, headers);
    }
    if (allow === undefined) {
      if (isRtcPrefix(c.var.path))
        throw new EdgeError('EDGE_ERR_NOT_FOUND', `no WHIP/WHEP resource ${c.var.path}`);
      throw new EdgeError('EDGE_ERR_METHOD_NOT_ALLOWED', `method ${method} not allowed`);
    }
    if (!rtcEnabled) throw new EdgeError('EDGE_ERR_RTC_DISABLED', 'RTC_URLS is not set');
    if (allow.includes(method)) {
      await next();
      return;
    }
    const refused = edgeErrorBody('EDGE_ERR_METHOD_NOT_ALLOWED');
    refused.headers.set('allow', [...allow, 'OPTIONS'].join(', '));
    return refused;
  };
}
