/**
 * Geo gate: applies GEO_RULES (per path prefix) and the token's own `geo` claim to `c.var.geo`.
 * Runs after auth and before any cache lookup, on every request, so a cached object can never carry
 * one country's answer to another. Blocked: 403, or 451 with `Link: <…>; rel="blocked-by"` (RFC 7725
 * §3) when the rule says so; the reason goes to the log only. Allowed responses under a rule's prefix
 * go out `Cache-Control: private` (max-age kept) so no shared cache downstream replays the decision.
 * Must not touch the cache or the shield.
 */
import type { MiddlewareHandler } from 'hono';
import { decideGeo, type GeoRule, ruleFor } from '../../core/geo/rules.ts';
import type { EdgeHonoEnv } from '../context.ts';
import { EdgeError, edgeErrorBody } from '../errors.ts';
import { privateCacheControl } from '../manifest/personalize.ts';

/** @example app.use(geoGate(config.geo.rules)) */
export function geoGate(configured: readonly GeoRule[]): MiddlewareHandler<EdgeHonoEnv> {
  return async function geoGate(c, next) {
    // The control store's copy holds tenant rules plus the configured ones (issue 15).
    const rules = c.var.control?.geoRules ?? configured;
    const claim = c.var.viewer?.geo;
    if (rules.length === 0 && !claim) {
      await next();
      return;
    }
    const decision = decideGeo(rules, c.var.path, c.var.geo, claim);
    if (decision.allowed) {
      await next();
      // This viewer got the object because of where they are; a shared cache after the edge keys by
      // URL, not country, and would hand it to a viewer the rule refuses. Our own cache is safe: this
      // gate runs before it on every request.
      if (ruleFor(rules, c.var.path) !== undefined) {
        c.res.headers.set('cache-control', privateCacheControl(c.res.headers.get('cache-control')));
      }
      return;
    }
    console.warn(
      JSON.stringify({
        level: 'warn',
        event: 'geo-blocked',
        code: 'EDGE_ERR_GEO_BLOCKED',
        reason: decision.reason,
        country: decision.country,
        status: decision.status,
        path: c.var.path,
      }),
    );
    if (decision.status === 403) throw new EdgeError('EDGE_ERR_GEO_BLOCKED', decision.reason);
    // RFC 7725 §3: 451 SHOULD carry a Link identifying who imposed the block.
    const base = edgeErrorBody('EDGE_ERR_GEO_BLOCKED');
    const headers = new Headers(base.headers);
    if (decision.blockedBy !== undefined) headers.set('link', `<${decision.blockedBy}>; rel="blocked-by"`);
    return new Response(base.body, { status: 451, headers });
  };
}
