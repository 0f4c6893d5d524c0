/**
 * The edge hono app. Everything it needs arrives as arguments (config, cache, clock, fetch), so
 * tests and index.ts build it the same way. Must not read `env`, `caches` or the clock directly.
 *
 * Chain, outermost first:
 *   egress → cors → timing → compress → pathGuard → methodGuard → viewerGeo → auth → geoGate → route.
 * `POST /purge` (the operator's endpoint, routes/purge.ts) and `POST /rtc-usage` (the media servers'
 * WebRTC session records, routes/rtc-usage.ts) are answered before that chain.
 * WHIP/WHEP POST/PATCH/DELETE (routes/rtc.ts) run the whole chain, then go to a media server.
 * egress is outermost so it counts the final bytes of every response; cors next so it decorates every
 * response on the way out, errors included; auth and geo run before anything touches the cache.
 */
import type { Hono } from 'hono';
import { createByteBudget } from '../core/cache/byte-budget.ts';
import { regionMaxBitrateKbps } from '../core/cmcd/cmsd.ts';
import { contentKindOf } from '../core/hls/content-kind.ts';
import { type CacheStatus, X_CACHE } from '../core/http/shield-contract.ts';
import { isRtcPrefix } from '../core/webrtc/edge-rules.ts';
import { RTC_USAGE_PATH } from '../core/webrtc/usage-batch.ts';
import { createVerifiers } from './auth/verifiers.ts';
import { createCoalescer } from './coalesce.ts';
import type { EdgeConfig } from './config.ts';
import type { EdgeHonoEnv } from './context.ts';
import type { ControlRuntime } from './control/runtime.ts';
import { controlSnapshot } from './control/snapshot-middleware.ts';
import { withTenantKeys } from './control/tenant-verifier.ts';
import { createEgressWriter, type EgressWriter, type QueueProducer, stdoutSink } from './egress/sinks.ts';
import { EdgeError, edgeErrorBody, edgeErrorResponse } from './errors.ts';
import { createParseMemo } from './manifest/parse-memo.ts';
import { auth } from './middleware/auth.ts';
import { compressPlaylists } from './middleware/compress.ts';
import { cors } from './middleware/cors.ts';
import { egress, webCryptoSha256 } from './middleware/egress.ts';
import { geoGate } from './middleware/geo-gate.ts';
import { methodGuard } from './middleware/method-guard.ts';
import { pathGuard } from './middleware/path-guard.ts';
import { timing } from './middleware/timing.ts';
import { type GetGeo, geoFromCf, geoFromClientHeader, viewerGeo } from './middleware/viewer-geo.ts';
import { createPurgeLog, type PurgeStore } from './purge/purge-log.ts';
import { createHono } from './router.ts';
import type { CachedFetchDeps } from './routes/fetch-through-cache.ts';
import { fetchKey } from './routes/key.ts';
import { servePlaylist } from './routes/playlist.ts';
import { PURGE_PATH, purgeRoute } from './routes/purge.ts';
import { rtcRoute } from './routes/rtc.ts';
import { rtcUsageRoute } from './routes/rtc-usage.ts';
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
  /** Egress record sinks (index.ts builds them from bindings); stdout only, per config, when absent. */
  readonly egressWriter?: EgressWriter;
  /** The EGRESS_QUEUE binding, for WebRTC records pushed to `POST /rtc-usage` (absent: it answers 503). */
  readonly egressQueue?: QueueProducer;
  /** The PURGE_LOG KV namespace: shared purge records (absent: `POST /purge` answers 503). */
  readonly purgeStore?: PurgeStore;
  /** The control store's per-isolate copy (issue 15): tenant keys, rules, policies, revocations. */
  readonly control?: ControlRuntime;
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
    cooldownMs: config.cache.shieldCooldownMs,
    now: deps.now,
    onAttemptFailed: (shieldUrl, reason) =>
      console.warn(
        JSON.stringify({ level: 'warn', event: 'shield-attempt-failed', shield: shieldUrl, reason }),
      ),
  });
  const ttl = config.cache.ttl;
  // One purge log per isolate (its copy of the KV records is shared by every request it serves).
  const purges =
    deps.purgeStore === undefined
      ? undefined
      : createPurgeLog({
          store: deps.purgeStore,
          now: deps.now,
          pollMs: config.purge.pollMs,
          // A record must outlive every copy it covers: the longest TTL plus the longest stale window.
          retentionMs:
            Math.max(ttl.playlistTtlMs, ttl.segmentTtlMs, ttl.negativeTtlMs) +
            Math.max(ttl.swrMs, ttl.staleIfErrorMs),
        });
  // One coalescer per isolate: single-flight spans every request this isolate serves.
  const cached: CachedFetchDeps = {
    cache: deps.cache,
    shield,
    now: deps.now,
    coalescer: createCoalescer({
      // Bounded in total, not only per object: the isolate has 128 MB for everything.
      budget: createByteBudget(config.inflightBytes),
      onRefused: (refusal) =>
        console.warn(JSON.stringify({ level: 'warn', event: 'edge-inflight-refused', ...refusal })),
    }),
    policy: { keyParams: config.cache.keyParams, ttl: config.cache.ttl },
    ...(purges === undefined ? {} : { purges }),
  };

  // One parse per distinct cached playlist text per isolate, shared by every viewer it is rewritten for.
  const playlists = createParseMemo();

  const app = createHono<EdgeHonoEnv>();
  app.onError(edgeErrorResponse);
  app.notFound(() => edgeErrorBody('EDGE_ERR_NOT_FOUND'));
  // The operator's purge endpoint, before the viewer chain: its own credential, no egress record.
  app.post(
    PURGE_PATH,
    purgeRoute({
      secret: config.purge.secret,
      log: purges,
      cache: deps.cache,
      shieldUrls: config.shieldUrls,
      shieldSecret: config.sharedSecret,
      timeoutMs: config.shieldTimeoutMs,
      fetch: deps.fetch,
      now: deps.now,
      keyParams: config.cache.keyParams,
    }),
  );
  // The media servers' session records → EGRESS_QUEUE → D1: service traffic, not viewer egress.
  app.post(RTC_USAGE_PATH, rtcUsageRoute({ rtc: config.rtc, queue: deps.egressQueue, now: deps.now }));
  // Egress is outermost: it must see the final response (errors, CORS, timing) and count its body.
  const egressWriter = deps.egressWriter ?? createEgressWriter(config.egress.stdout ? [stdoutSink()] : []);
  app.use(
    egress({
      config: config.egress,
      writer: egressWriter,
      now: deps.now,
      sha256: webCryptoSha256,
      // CMSD mb (issue 8): the bandwidth cap of the viewer's manifest region policy.
      maxBitrateKbps: (geo) => regionMaxBitrateKbps(config.manifest.policies, geo),
    }),
  );
  app.use(cors(config.corsOrigins));
  app.use(timing(deps.now));
  app.use(compressPlaylists(config.cache.compressPlaylists));
  app.use(pathGuard());
  app.use(methodGuard(config.corsOrigins, config.rtc !== undefined));
  app.use(viewerGeo(deps.getGeo ?? (config.geo.trustClientCountry ? geoFromClientHeader : geoFromCf)));
  // Auth then geo: after the path is canonical, before anything touches the cache or the shield.
  const configured = createVerifiers(config.auth, { subtle: crypto.subtle, fetch: deps.fetch });
  const verifiers = deps.control ? withTenantKeys(configured, deps.control) : configured;
  if (deps.control) app.use(controlSnapshot(deps.control));
  app.use(
    auth({
      config: config.auth,
      verifiers,
      now: deps.now,
      publicPaths: [HEALTH_PATH],
      bearerFirst: isRtcPrefix,
    }),
  );
  app.use(geoGate(config.geo.rules));
  // WHIP/WHEP signalling (issue 16): the method guard let these methods through only on its paths.
  if (config.rtc) {
    const rtc = {
      config: config.rtc,
      fetch: deps.fetch,
      sha256: webCryptoSha256,
      viewerSalt: config.egress.viewerSalt,
    };
    app.on(['POST', 'PATCH', 'DELETE'], '*', rtcRoute(rtc));
  }

  app.get('*', (c) => {
    const path = c.var.path;
    if (path === HEALTH_PATH)
      return c.json({ status: 'ok' }, 200, {
        'cache-control': 'no-store',
        [X_CACHE]: 'BYPASS' satisfies CacheStatus,
      });
    const kind = contentKindOf(path);
    switch (kind) {
      case 'playlist':
        return servePlaylist(c, cached, config.manifest, playlists);
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
export function createConfigErrorApp(now: () => number = () => 0): Hono<EdgeHonoEnv> {
  const app = createHono<EdgeHonoEnv>();
  app.onError(edgeErrorResponse);
  app.use(cors(['*']));
  // Server-Timing, x-cache and Age on this 500 too. No I/O happens here and workerd's clock only moves
  // across I/O, so the default zero clock reports the same edge;dur=0 without reading the time.
  app.use(timing(now));
  app.all('*', () => {
    throw new EdgeError('EDGE_ERR_CONFIG', 'edge configuration is invalid');
  });
  return app;
}
