/**
 * The edge hono app. Everything it needs arrives as arguments (config, cache, clock, fetch), so
 * tests and index.ts build it the same way. Must not read `env`, `caches` or the clock directly.
 *
 * Chain, outermost first:  cors → timing → pathGuard → methodGuard → viewerGeo → [auth → geo] → route.
 * cors is outermost so it decorates every response on the way out, errors included.
 */
import { Hono } from 'hono';
import { contentKindOf } from '../core/hls/content-kind.ts';
import type { EdgeConfig } from './config.ts';
import type { EdgeHonoEnv } from './context.ts';
import { EdgeError, edgeErrorBody, edgeErrorResponse } from './errors.ts';
import { cors } from './middleware/cors.ts';
import { methodGuard } from './middleware/method-guard.ts';
import { pathGuard } from './middleware/path-guard.ts';
import { timing } from './middleware/timing.ts';
import { type GetGeo, geoFromCf, viewerGeo } from './middleware/viewer-geo.ts';
import type { CachedFetchDeps } from './routes/fetch-through-cache.ts';
import { fetchKey } from './routes/key.ts';
import { servePlaylist } from './routes/playlist.ts';
import { serveSegment } from './routes/segment.ts';
import { createShieldClient, type ShieldOrder } from './shield-client.ts';

/** Runtime facts the adapter (index.ts) supplies. */
export interface AppDeps {
  readonly config: EdgeConfig;
  /** The edge cache; `caches.default` in a Worker. */
  readonly cache: Cache;
  readonly fetch: typeof fetch;
  readonly now: () => number;
  /** Where the viewer is; `request.cf` (with the CF-IPCountry header as fallback) when absent. */
  readonly getGeo?: GetGeo;
  /** Shield selection per object; configuration order when absent. */
  readonly shieldOrder?: ShieldOrder;
}

export const HEALTH_PATH = '/healthz';

/** @example const app = createApp({ config, cache: caches.default, fetch, now: Date.now }) */
export function createApp(deps: AppDeps): Hono<EdgeHonoEnv> {
  const { config } = deps;
  const shield = createShieldClient({
    shieldUrls: config.shieldUrls,
    sharedSecret: config.sharedSecret,
    timeoutMs: config.shieldTimeoutMs,
    fetch: deps.fetch,
    ...(deps.shieldOrder ? { order: deps.shieldOrder } : {}),
    onAttemptFailed: (shieldUrl, reason) =>
      console.warn(
        JSON.stringify({ level: 'warn', event: 'shield-attempt-failed', shield: shieldUrl, reason }),
      ),
  });
  const cached: CachedFetchDeps = { cache: deps.cache, shield, now: deps.now };

  const app = new Hono<EdgeHonoEnv>();
  app.onError(edgeErrorResponse);
  app.notFound(() => edgeErrorBody('EDGE_ERR_NOT_FOUND'));
  app.use(cors(config.corsOrigins));
  app.use(timing(deps.now));
  app.use(pathGuard());
  app.use(methodGuard(config.corsOrigins));
  app.use(viewerGeo(deps.getGeo ?? geoFromCf));
  // Viewer auth (token verification) and geo gating go here, in that order, once they exist:
  // both must run after the path is canonical and before anything touches the cache or the shield.

  app.get('*', (c) => {
    const path = c.var.path;
    if (path === HEALTH_PATH) return c.json({ status: 'ok' }, 200, { 'cache-control': 'no-store' });
    const kind = contentKindOf(path);
    switch (kind) {
      case 'playlist':
        return servePlaylist(c, cached);
      case 'segment':
      case 'part':
        return serveSegment(c, cached);
      case 'key':
        return fetchKey(c, shield);
      case 'other':
        throw new EdgeError('EDGE_ERR_NOT_FOUND', `no route for ${path}`);
      default: {
        const unreachable: never = kind;
        throw new EdgeError('EDGE_ERR_INTERNAL', `unhandled content kind ${String(unreachable)}`);
      }
    }
  });
  return app;
}

/**
 * The app served while configuration is invalid: every request is 500 EDGE_ERR_CONFIG. CORS allows
 * any origin here so a player can read the (generic) error; the configured list is what is broken.
 */
export function createConfigErrorApp(): Hono<EdgeHonoEnv> {
  const app = new Hono<EdgeHonoEnv>();
  app.onError(edgeErrorResponse);
  app.use(cors(['*']));
  app.all('*', () => {
    throw new EdgeError('EDGE_ERR_CONFIG', 'edge configuration is invalid');
  });
  return app;
}
