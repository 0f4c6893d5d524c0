/**
 * The shield's HTTP server: routing, auth, path normalisation, error mapping, graceful close.
 *
 * Takes a frozen `ShieldConfig` and optional collaborators (clock, logger, store, upstream) so tests
 * run it in-process on port 0. Must not read `process.env` (main.ts does) and must not send stacks
 * or upstream detail to clients: every failure goes through `sendError` → `toResponse`.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { contentQuery } from '../src/core/cache/upstream-query.ts';
import { corsHeaders, corsPreflightHeaders } from '../src/core/http/cors.ts';
import { normalizeRequestPath } from '../src/core/http/path.ts';
import { AUTH_HEADER, createSecretCheck } from './auth.ts';
import { createInFlight } from './cache/in-flight.ts';
import { createLruStore, type ObjectStore } from './cache/store.ts';
import type { ShieldConfig } from './config.ts';
import { ShieldError } from './errors.ts';
import { createLogger, errorFields, type Logger } from './log.ts';
import { createContentRoute } from './routes/content.ts';
import { sendError } from './routes/respond.ts';
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
  /** How long `close()` lets in-flight requests finish before cutting connections. Default 5000. */
  readonly shutdownGraceMs?: number;
}

/** A listening shield. */
export interface RunningShield {
  /** `http://host:port` */
  readonly url: string;
  readonly port: number;
  /** Stops accepting, lets in-flight requests finish (bounded), then closes upstream pools. */
  close(): Promise<void>;
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
  const upstream = deps.upstream ?? createUpstream(config.upstreams, config.upstreamTimeoutMs, logger);
  const ownsUpstream = deps.upstream === undefined;
  const checkSecret = createSecretCheck(config.sharedSecret);
  const content = createContentRoute({
    store: deps.store ?? createLruStore(config.cacheBytes),
    inFlight: createInFlight(),
    upstream,
    maxObjectBytes: config.maxObjectBytes,
    now,
    logger,
  });
  let closing: Promise<void> | undefined;

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const startedAt = now();
    const origin = req.headers.origin ?? null;
    const cors = corsHeaders(origin, config.corsOrigins);
    const rawUrl = req.url ?? '/';
    const q = rawUrl.indexOf('?');
    const rawPath = q === -1 ? rawUrl : rawUrl.slice(0, q);
    const method = req.method ?? 'GET';
    // 'close' fires for aborted responses too, so every request gets exactly one access line.
    res.on('close', () => {
      logger.info('request', {
        method,
        path: rawPath,
        status: res.statusCode,
        cache: res.getHeader('x-cache'),
        durMs: now() - startedAt,
        ...(res.writableFinished ? {} : { aborted: true }),
      });
      // While closing, drop each keep-alive connection as soon as it goes idle.
      if (closing) setImmediate(() => server.closeIdleConnections());
    });
    try {
      if (rawPath === '/healthz' && (method === 'GET' || method === 'HEAD')) {
        const body = `${JSON.stringify({ status: 'ok' })}\n`;
        res.writeHead(200, { ...cors, 'content-type': 'application/json', 'cache-control': 'no-store' });
        res.end(method === 'HEAD' ? undefined : body);
        return;
      }
      if (!checkSecret(req.headers[AUTH_HEADER])) {
        const reason = req.headers[AUTH_HEADER] === undefined ? 'missing' : 'mismatch';
        throw new ShieldError('SHIELD_ERR_UNAUTHORIZED', `shared secret ${reason}`);
      }
      if (method === 'OPTIONS') {
        res.writeHead(204, corsPreflightHeaders(origin, config.corsOrigins));
        res.end();
        return;
      }
      if (method !== 'GET' && method !== 'HEAD') {
        throw new ShieldError('SHIELD_ERR_METHOD_NOT_ALLOWED', `method ${method} not allowed`);
      }
      const normalized = normalizeRequestPath(rawPath);
      if (!normalized.ok) {
        throw new ShieldError('SHIELD_ERR_BAD_PATH', `invalid path (${normalized.error.reason})`);
      }
      const query = contentQuery(new URLSearchParams(q === -1 ? '' : rawUrl.slice(q + 1)));
      const path = normalized.value;
      await content({ req, res, method, path, query, key: `${path}${query}`, startedAt, cors });
    } catch (e) {
      const status = sendError(res, e, cors, method === 'HEAD');
      logFailure(logger, e, status, method, rawPath);
    }
  }

  const server = createServer((req, res) => {
    void handle(req, res);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(config.port, config.host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const port = (server.address() as AddressInfo).port;
  const host = config.host.includes(':') ? `[${config.host}]` : config.host;

  return {
    url: `http://${host}:${port}`,
    port,
    close() {
      closing ??= (async () => {
        const grace = deps.shutdownGraceMs ?? 5_000;
        const closed = new Promise<void>((resolve) => server.close(() => resolve()));
        server.closeIdleConnections();
        let forced = false;
        const timer = setTimeout(() => {
          forced = true;
          logger.warn('shutdown grace elapsed, closing connections', { graceMs: grace });
          server.closeAllConnections();
        }, grace);
        await closed;
        clearTimeout(timer);
        if (ownsUpstream) await upstream.close(forced);
      })();
      return closing;
    },
  };
}

function logFailure(logger: Logger, e: unknown, status: number, method: string, path: string): void {
  const fields = { method, path, status };
  if (status >= 500) {
    // Stacks and causes belong in logs; the client only got { code, message }.
    logger.error('request failed', { ...fields, ...errorFields(e) });
  } else {
    const code = e instanceof ShieldError ? e.code : 'SHIELD_ERR_INTERNAL';
    logger.debug('request refused', { ...fields, code, reason: e instanceof Error ? e.message : String(e) });
  }
}
