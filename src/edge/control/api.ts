/**
 * The operator API (issue 15): a hono app under `/api/v1` on the edge Worker, in front of the
 * viewer app (index.ts routes `/api/` here). Bearer API keys with scopes, a per-key rate limit, JSON
 * errors through the edge's one error mapping (errors.ts). Must not serve viewer content, and the
 * viewer app must not reach the store except through the per-isolate snapshot (runtime.ts).
 *
 * Chain: schema gate → authenticate (not for /sessions, which takes an access token) → route.
 */
import type { Hono } from 'hono';
import { createRateLimiter } from '../../core/control/rate-limit.ts';
import { EdgeError, edgeErrorBody, edgeErrorResponse } from '../errors.ts';
import { createHono } from '../router.ts';
import { authenticate } from './api-auth.ts';
import type { ControlDeps, ControlHonoEnv } from './context.ts';
import { configRoutes } from './routes-config.ts';
import { signingKeyRoutes } from './routes-signing.ts';
import { tenantRoutes } from './routes-tenants.ts';
import { SESSIONS_PATH, tokenRoutes } from './routes-tokens.ts';
import { usageRoutes } from './routes-usage.ts';
import type { SchemaGate } from './store.ts';

export const API_PREFIX = '/api/';

/** @example const api = createControlApi({ db: env.CONTROL, config: config.control, now: Date.now, tokenParam }, gate) */
export function createControlApi(
  deps: ControlDeps,
  schema: SchemaGate,
  /** The egress ledger (LEDGER binding), for /usage. */
  ledger?: D1Database,
): Hono<ControlHonoEnv> {
  // Per isolate: approximate, see core/control/rate-limit.ts.
  const limiter = createRateLimiter({ perMinute: deps.config.ratePerMinute });
  const api = createHono<ControlHonoEnv>().basePath('/api/v1');
  api.onError(edgeErrorResponse);
  api.notFound(() => edgeErrorBody('EDGE_ERR_API_NOT_FOUND'));
  api.use(async function schemaGate(_c, next) {
    try {
      await schema.ready();
    } catch (error) {
      throw new EdgeError('EDGE_ERR_API_UNAVAILABLE', 'control store unavailable', { cause: error });
    }
    await next();
  });
  api.use(authenticate(deps, limiter, [SESSIONS_PATH]));
  tenantRoutes(api, deps);
  signingKeyRoutes(api, deps);
  configRoutes(api, deps);
  tokenRoutes(api, deps, limiter);
  usageRoutes(api, deps, ledger);
  return api;
}

/** The answer on /api/ when the Worker has no CONTROL binding. */
export function apiUnavailable(): Response {
  return edgeErrorBody('EDGE_ERR_API_UNAVAILABLE');
}
