/**
 * The shield's HTTP server: routing, auth, path normalisation, error mapping, graceful close.
 *
 * Takes a frozen `ShieldConfig` and optional collaborators (clock, logger, store, upstream) so tests
 * run it in-process on port 0. Must not read `process.env` (main.ts does) and must not send stacks
 * or upstream detail to clients: every failure goes through `sendError` → `toResponse`.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { Writable } from 'node:stream';
import { createByteBudget } from '../src/core/cache/byte-budget.ts';
import { contentQuery } from '../src/core/cache/upstream-query.ts';
import { corsPreflightHeaders } from '../src/core/http/cors.ts';
import { AUTH_HEADER, createSecretCheck } from './auth.ts';
import { openDiskTier } from './cache/disk-tier.ts';
import { createInFlight } from './cache/in-flight.ts';
import { createLruStore, type ObjectStore } from './cache/store.ts';
import { createTieredStore } from './cache/tiered-store.ts';
import type { ClusterLink } from './cluster/worker-link.ts';
import type { ShieldConfig } from './config.ts';
import { laneHitRecord, type ShieldEgressLog, trackShieldResponse } from './egress.ts';
import { openAlertedEgressLog } from './egress-alerts.ts';
import { upstreamBytesOf, withOriginEgress } from './egress-origin.ts';
import { ShieldError, toResponse } from './errors.ts';
import { type AnsweredHit, createFastLane } from './lane/fast-lane.ts';
import { createFastHit, createHitLookup } from './lane/hit-lookup.ts';
import { createKeyOf } from './lane/key-memo.ts';
import { openListener } from './lane/listen.ts';
import { armNodeDeadlines, nodeServerOptions } from './lane/listener.ts';
import { loadTlsMaterial } from './lane/tls.ts';
import { createLogger, errorFields, type Logger } from './log.ts';
import { createHotCounts, createShieldMetrics, type ShieldMetrics } from './metrics.ts';
import { createReadiness, NOT_READY_MESSAGES } from './readiness.ts';
import { createCorsMemo, createPathMemo } from './request-memo.ts';
import { createContentRoute } from './routes/content.ts';
import { purge, readPurgeRequest } from './routes/purge.ts';
import { answerClientError, sendError } from './routes/respond.ts';
import { BREAKER_STATES } from './upstream/breaker.ts';
import { createUpstream, type Upstream } from './upstream/failover.ts';

/** Optional collaborators; defaults are built from the config. */
export interface ShieldDeps {
  /** Wall clock in ms (Age, freshness, Server-Timing). Default `Date.now`. */
  readonly now?: () => number;
  readonly logger?: Logger;
  /** Replaces the in-memory LRU (e.g. stream-while-fill or disk tier). */
  readonly store?: ObjectStore;
  /** Replaces the undici failover upstream. An injected upstream is not closed by `close()`. */
  readonly upstream?: Upstream;
  /** How long `close()` lets in-flight requests finish before cutting connections (default from config). */
  readonly shutdownGraceMs?: number;
  /** Egress ledger sink (issue 8); replaces the one `config.egressLog` opens and is not closed by `close()`. */
  readonly egressLog?: ShieldEgressLog;
  /** Writable for the egress records instead of `config.egressLog`'s target (drops still counted and logged). */
  readonly egressSink?: Writable;
  /** Cluster worker (SHIELD_WORKERS > 1): key affinity, host-wide purge and metrics (origin/cluster/). */
  readonly cluster?: ClusterLink;
}

/** A listening shield. */
export interface RunningShield {
  /** `http://host:port` */
  readonly url: string;
  readonly port: number;
  readonly metrics: ShieldMetrics;
  readonly store: ObjectStore;
  /** Stops accepting, lets in-flight requests finish (bounded), then closes upstream pools. */
  close(): Promise<void>;
  /**
   * HTTPS: re-reads SHIELD_TLS_CERT / _KEY / _CLIENT_CA for new connections (open ones keep theirs);
   * resolves false when TLS is off, rejects (old certificates kept) when a file is unusable.
   */
  reloadTls(): Promise<boolean>;
}

/**
 * Starts the shield and resolves once it listens.
 *
 * @example
 *   const shield = await startShield(config);
 *   // GET `${shield.url}/vod/ts/master.m3u8`
 *   await shield.close();
 */
export async function startShield(config: ShieldConfig, deps: ShieldDeps = {}): Promise<RunningShield> {
  const now = deps.now ?? Date.now;
  const logger = deps.logger ?? createLogger(config.logLevel, (line) => process.stdout.write(line), now);
  // Unreadable certificate files stop the start here, naming the key, before anything is opened.
  const tlsMaterial = config.tls && (await loadTlsMaterial(config.tls));
  const memory = deps.store ?? createLruStore(config.cacheBytes);
  // Disk tier (SHIELD_DISK_DIR): its index is rebuilt from the directory before we listen.
  const store =
    config.disk === undefined
      ? memory
      : createTieredStore(memory, await openDiskTier({ ...config.disk, logger }));
  const inFlight = createInFlight();
  const retention = createByteBudget(config.inflightBytes);
  const metrics = createShieldMetrics({
    inflightRetainedBytes: () => retention.used,
    inflightRetainedPeakBytes: () => retention.peak,
    inflightRefused: () => retention.refused,
    cacheBytes: () => store.usedBytes,
    cacheObjects: () => store.size,
    evictions: () => store.evictions,
    inFlight: () => inFlight.size,
    ...(store.cold === undefined
      ? {}
      : { diskBytes: () => store.cold?.usedBytes ?? 0, diskObjects: () => store.cold?.size ?? 0 }),
  });
  // Egress ledger (issue 8): a record per response (see handle) and per packager fetch (egress-origin.ts).
  const sinkSpec = deps.egressSink
    ? { sink: deps.egressSink }
    : config.egressLog && { target: config.egressLog };
  const egress =
    deps.egressLog ??
    (sinkSpec ? openAlertedEgressLog(sinkSpec, { logger, now, counts: metrics.counts }) : undefined);
  const readiness = createReadiness(config.upstreams, config.breakerCooldownMs, now);
  const plainUpstream =
    deps.upstream ??
    createUpstream(
      config.upstreams,
      {
        timeoutMs: config.upstreamTimeoutMs,
        breakerFailures: config.breakerFailures,
        breakerCooldownMs: config.breakerCooldownMs,
        now,
        observe: metrics.upstreamRequest,
        onBreakerState: (base, state) => {
          metrics.breakerState(base, BREAKER_STATES[state]);
          readiness.breakerState(base, state);
        },
      },
      logger,
    );
  const packagers = egress === undefined ? plainUpstream : withOriginEgress(plainUpstream, egress, now);
  // Cluster: fills of keys another worker owns go to that worker (its one packager fetch serves the host).
  const cluster = deps.cluster;
  const upstream =
    cluster?.route(packagers, config.upstreamTimeoutMs * config.upstreams.length + 1_000) ?? packagers;
  const ownsUpstream = deps.upstream === undefined;
  const checkSecret = createSecretCheck(config.sharedSecret);
  const contentDeps = {
    store,
    inFlight,
    upstream,
    maxObjectBytes: config.maxObjectBytes,
    maxLagBytes: config.waiterMaxLagBytes,
    retention,
    prefetch: config.prefetch,
    negativeTtlSec: config.negativeTtlSec,
    ...(config.defaultTtl && { defaultTtl: config.defaultTtl }),
    staleBounds: {
      defaultStaleWhileRevalidateSec: config.staleWhileRevalidateSec,
      maxStaleIfErrorSec: config.staleIfErrorSec,
    },
    now,
    logger,
    counts: metrics.counts,
    onUpstreamBytes: (bytes: number) => {
      metrics.counts.upstreamBytes += bytes;
    },
  };
  const content = createContentRoute(contentDeps);
  const accessLog = logger.enabled('debug');
  const normalizePath = createPathMemo();
  const corsFor = createCorsMemo(config.corsOrigins);
  let closing: Promise<void> | undefined;

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const startedAt = now();
    const origin = req.headers.origin ?? null;
    const cors = corsFor(origin);
    const rawUrl = req.url ?? '/';
    const q = rawUrl.indexOf('?');
    const rawPath = q === -1 ? rawUrl : rawUrl.slice(0, q);
    const method = req.method ?? 'GET';
    // Egress ledger (issue 8): every response but health checks and scrapes; originBytes = the fill it triggered.
    if (egress !== undefined && rawPath !== '/healthz' && rawPath !== '/readyz' && rawPath !== '/metrics')
      trackShieldResponse(req, res, { path: rawPath, originBytes: () => upstreamBytesOf(res), now }, egress);
    // Access lines are debug-level: at info the hit path pays nothing for them. 'close' fires for
    // aborted responses too, so every request gets exactly one line.
    if (accessLog) {
      res.on('close', () => {
        logger.debug('request', {
          method,
          path: rawPath,
          status: res.statusCode,
          cache: res.getHeader('x-cache'),
          durMs: now() - startedAt,
          ...(res.writableFinished ? {} : { aborted: true }),
        });
      });
    }
    try {
      // RFC 9112 §3.2: more than one Host is a 400 (Node's parser keeps the first; the lane hands such heads to Node).
      if (hostCount(req.rawHeaders) > 1)
        throw new ShieldError('SHIELD_ERR_BAD_REQUEST', 'more than one Host header');
      if (rawPath === '/healthz' && (method === 'GET' || method === 'HEAD')) {
        const body = `${JSON.stringify({ status: 'ok' })}\n`;
        res.writeHead(200, { ...cors, 'content-type': 'application/json', 'cache-control': 'no-store' });
        res.end(method === 'HEAD' ? undefined : body);
        return;
      }
      // Readiness (issue 12) is open like /healthz: probes carry no edge credential.
      if (rawPath === '/readyz' && (method === 'GET' || method === 'HEAD')) {
        const reason = readiness.check();
        const answer =
          reason === undefined
            ? { status: 200, headers: {}, body: `${JSON.stringify({ status: 'ready' })}\n` }
            : toResponse(new ShieldError('SHIELD_ERR_NOT_READY', NOT_READY_MESSAGES[reason]));
        res.writeHead(answer.status, {
          ...cors,
          'content-type': 'application/json',
          'cache-control': 'no-store',
          ...answer.headers,
        });
        res.end(method === 'HEAD' ? undefined : answer.body);
        return;
      }
      if (!checkSecret(req.headers[AUTH_HEADER])) {
        const reason = req.headers[AUTH_HEADER] === undefined ? 'missing' : 'mismatch';
        throw new ShieldError('SHIELD_ERR_UNAUTHORIZED', `shared secret ${reason}`);
      }
      if (rawPath === '/metrics' && (method === 'GET' || method === 'HEAD')) {
        const text = await (cluster?.metrics() ?? metrics.render());
        res.writeHead(200, { 'content-type': metrics.contentType, 'cache-control': 'no-store' });
        res.end(method === 'HEAD' ? undefined : text);
        return;
      }
      if (rawPath === '/purge' && method === 'POST') {
        const request = await readPurgeRequest(req, new URLSearchParams(q === -1 ? '' : rawUrl.slice(q + 1)));
        const result = cluster ? await cluster.purge(request) : purge(store, inFlight, request);
        metrics.purged(result.purged);
        logger.info('purge', { ...request, ...result });
        const body = `${JSON.stringify(result)}\n`;
        res.writeHead(200, { ...cors, 'content-type': 'application/json', 'cache-control': 'no-store' });
        res.end(body);
        return;
      }
      if (method === 'OPTIONS') {
        res.writeHead(204, corsPreflightHeaders(origin, config.corsOrigins));
        res.end();
        return;
      }
      if (method !== 'GET' && method !== 'HEAD') {
        throw new ShieldError('SHIELD_ERR_METHOD_NOT_ALLOWED', `method ${method} not allowed`);
      }
      const normalized = normalizePath(rawPath);
      if (!normalized.ok) {
        throw new ShieldError('SHIELD_ERR_BAD_PATH', `invalid path (${normalized.error.reason})`);
      }
      const query = q === -1 ? '' : contentQuery(new URLSearchParams(rawUrl.slice(q + 1)));
      const path = normalized.value;
      await content({ req, res, method, path, query, key: `${path}${query}`, startedAt, cors });
    } catch (e) {
      // Nobody is left to answer when the client went away mid-request.
      const aborted = e instanceof ShieldError && e.code === 'SHIELD_ERR_CLIENT_ABORTED';
      if (aborted) res.destroy();
      const status = aborted ? toResponse(e).status : sendError(res, e, cors, method === 'HEAD');
      metrics.error(e instanceof ShieldError ? e.code : 'SHIELD_ERR_INTERNAL');
      logFailure(logger, e, status, method, rawPath);
    }
  }

  // Fresh whole-object hits are answered synchronously (lane/hit-lookup.ts), on the raw socket when
  // the fast lane is on (lane/fast-lane.ts, which writes their egress records itself). Off while debug
  // access lines must see every response through handle(); Node's in-server fast path is also off
  // while egress records are on (handle() records them).
  const lookup = !accessLog
    ? createHitLookup({
        get: (key) => store.get(key),
        now,
        checkSecret,
        corsFor,
        keyOf: createKeyOf(normalizePath, (raw) => contentQuery(new URLSearchParams(raw))),
        onHit: content.onFastHit,
        cmcd: config.prefetch.cmcd,
      })
    : undefined;
  const fastHit = lookup && egress === undefined ? createFastHit(lookup) : undefined;
  const server = createServer(nodeServerOptions(config.limits), (req, res) => {
    if (fastHit === undefined || !fastHit(req, res)) void handle(req, res);
  });
  server.keepAliveTimeout = config.keepAliveTimeoutMs;
  // Node's server never listens (the listener below does): start its header/request deadlines anyway.
  armNodeDeadlines(server);
  // Requests Node's parser refuses (including every head the fast lane hands over and Node rejects)
  // get the shield's JSON error with a stable code, not Node's bare status line.
  server.on('clientError', answerClientError);
  // A client may half-close once its request is sent (RFC 9112 §9.6): still answer it. Node's own
  // default aborts the request instead; this (long-standing, undocumented) switch keeps the
  // response going and closes after it. The lane's socket is half-open too (below).
  (server as unknown as { httpAllowHalfOpen: boolean }).httpAllowHalfOpen = true;
  const onAnswered = egress && ((hit: AnsweredHit) => egress.write(laneHitRecord(hit, now())));
  const lane =
    lookup && config.fastLane
      ? createFastLane({
          http: server,
          lookup,
          now,
          counts: metrics.counts,
          ...(onAnswered && { onAnswered }),
        })
      : undefined;
  // Every connection, on the lane or not, is counted against SHIELD_MAX_CONNECTIONS here.
  const opened = await openListener(
    config,
    {
      http: server,
      lane,
      maxConnections: config.limits.maxConnections,
      lingerMs: config.keepAliveTimeoutMs,
      onRefused: () => metrics.error('SHIELD_ERR_TOO_MANY_CONNECTIONS'),
    },
    tlsMaterial,
    cluster !== undefined,
  );
  const listener = opened.server;
  const closeIdle = () => {
    lane?.closeIdle();
    server.closeIdleConnections();
  };
  const { url, port } = opened;
  if (cluster !== undefined) {
    // Siblings' requests for keys this worker owns: served from the packagers, counted apart.
    const { prefetch: _, ...peerDeps } = contentDeps;
    await cluster.attach({
      url,
      purge: (request) => purge(store, inFlight, request),
      metricsJson: () => metrics.json(),
      content: createContentRoute({ ...peerDeps, upstream: packagers, counts: createHotCounts() }),
      counted: () => {
        metrics.counts.peerRequests++;
      },
    });
  }

  // Ready only now: everything above (the listener and whatever else starts) has finished.
  readiness.markReady();
  return {
    url,
    port,
    metrics,
    store,
    reloadTls: opened.reloadTls,
    close() {
      closing ??= (async () => {
        readiness.markDraining();
        const grace = deps.shutdownGraceMs ?? config.shutdownGraceMs;
        const closed = new Promise<void>((resolve) => listener.close(() => resolve()));
        // Node's server never listened: closing it still stops its connection-checking timer (its
        // callback only reports that it was not listening).
        server.close(() => undefined);
        closeIdle();
        // Drop each keep-alive connection as soon as its in-flight response has finished.
        const sweeper = setInterval(closeIdle, 25);
        let forced = false;
        const timer = setTimeout(() => {
          forced = true;
          logger.warn('shutdown grace elapsed, closing connections', { graceMs: grace });
          lane?.destroyAll();
          server.closeAllConnections();
        }, grace);
        await closed;
        clearTimeout(timer);
        clearInterval(sweeper);
        // Siblings fill through our peer listener with our packager pools: close it first, so a
        // drain never answers them 5xx (once closed they fill from the packagers themselves).
        await cluster?.closePeer();
        if (ownsUpstream) await upstream.close(forced);
        await store.flush?.(); // disk tier: finish background writes so a restart finds them
        if (deps.egressLog === undefined) await egress?.close(); // issue 8: flush the egress file
      })();
      return closing;
    },
  };
}

function hostCount(rawHeaders: readonly string[]): number {
  let count = 0;
  for (let i = 0; i < rawHeaders.length; i += 2) if (rawHeaders[i]?.toLowerCase() === 'host') count++;
  return count;
}

function logFailure(logger: Logger, e: unknown, status: number, method: string, path: string): void {
  const fields = { method, path, status };
  if (e instanceof ShieldError && e.code === 'SHIELD_ERR_CLIENT_ABORTED') {
    // A client error, not a shield fault: no stack, one line an operator can count.
    logger.warn('request aborted by client', { ...fields, code: e.code });
  } else if (status >= 500) {
    // Stacks and causes belong in logs; the client only got { code, message }.
    logger.error('request failed', { ...fields, ...errorFields(e) });
  } else {
    const code = e instanceof ShieldError ? e.code : 'SHIELD_ERR_INTERNAL';
    logger.debug('request refused', { ...fields, code, reason: e instanceof Error ? e.message : String(e) });
  }
}
