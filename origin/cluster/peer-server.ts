/**
 * A cluster worker's private peer listener: where sibling workers fetch the objects this worker
 * owns (peer-upstream.ts), on loopback, with the host's random peer secret.
 *
 * A peer request is a plain `GET <cache key>`: it runs this worker's content route, so it joins the
 * owner's single-flight fill or hits its cache, and the answer's `x-cache` tells the asking worker
 * what happened here. It listens `exclusive` (node:cluster must not share it between workers) and is
 * never the public listener: it writes no egress records (the bytes stay inside the host) and
 * counts in `shield_peer_requests_total`, not in hits or misses (the asking worker counts the
 * viewer's request once). Must not accept anything without the peer secret or forward elsewhere.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { normalizeRequestPath } from '../../src/core/http/path.ts';
import { createSecretCheck } from '../auth.ts';
import { ShieldError } from '../errors.ts';
import { errorFields, type Logger } from '../log.ts';
import type { ContentRoute } from '../routes/content.ts';
import { sendError } from '../routes/respond.ts';
import { PEER_AUTH_HEADER } from './peer-upstream.ts';

/** What the peer listener serves with. */
export interface PeerServerDeps {
  readonly secret: string;
  /** The worker's content route over the packagers (never the peer-routing upstream: no loops). */
  readonly content: ContentRoute;
  readonly now: () => number;
  readonly logger: Logger;
  /** Bumped per peer request (`shield_peer_requests_total`). */
  readonly counted: () => void;
}

/** A listening peer server. */
export interface PeerServer {
  /** `http://127.0.0.1:port` */
  readonly url: string;
  close(): Promise<void>;
}

const NO_CORS: Readonly<Record<string, string>> = Object.freeze({});

/**
 * Starts the peer listener on a loopback port of its own.
 *
 * @example const peer = await startPeerServer({ secret, content, now, logger, counted }); peer.url
 */
export async function startPeerServer(deps: PeerServerDeps): Promise<PeerServer> {
  const check = createSecretCheck(deps.secret);
  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const rawUrl = req.url ?? '/';
    try {
      if (!check(req.headers[PEER_AUTH_HEADER])) {
        throw new ShieldError('SHIELD_ERR_UNAUTHORIZED', 'peer secret missing or wrong');
      }
      if (req.method !== 'GET')
        throw new ShieldError('SHIELD_ERR_METHOD_NOT_ALLOWED', 'peer hop is GET only');
      const q = rawUrl.indexOf('?');
      const path = q === -1 ? rawUrl : rawUrl.slice(0, q);
      const query = q === -1 ? '' : rawUrl.slice(q);
      // Siblings send cache keys, already normalised: anything else is not from a sibling.
      const normalized = normalizeRequestPath(path);
      if (!normalized.ok || normalized.value !== path) {
        throw new ShieldError('SHIELD_ERR_BAD_PATH', 'peer path is not a cache key');
      }
      deps.counted();
      await deps.content({
        req,
        res,
        method: 'GET',
        path,
        query,
        key: rawUrl,
        startedAt: deps.now(),
        cors: NO_CORS,
      });
    } catch (e) {
      const status = sendError(res, e, NO_CORS, false);
      if (status >= 500)
        deps.logger.error('peer request failed', { path: rawUrl, status, ...errorFields(e) });
    }
  }
  const server = createServer((req, res) => void handle(req, res));
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    // exclusive: inside a cluster worker, a plain listen() would be shared through the primary.
    server.listen({ host: '127.0.0.1', port: 0, exclusive: true }, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        // Siblings still draining may be mid-response here: let those finish, drop the idle ones.
        const sweeper = setInterval(() => server.closeIdleConnections(), 25);
        server.close(() => {
          clearInterval(sweeper);
          resolve();
        });
        server.closeIdleConnections();
      }),
  };
}
