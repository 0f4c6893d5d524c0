/**
 * The dev packager: a plain node:http origin serving the media tree (VOD) and a simulated live
 * stream, with the HTTP behaviour a real origin has (validators, ranges, CORS, cache headers).
 *
 * Must not read process.env (main.ts does) or the clock directly (`now` is injected), so tests can
 * drive the live window. Routes return what to send; respond.ts writes it.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { corsPreflightHeaders } from '../../src/core/http/cors.ts';
import { normalizeRequestPath, pathSegments } from '../../src/core/http/path.ts';
import type { PackagerConfig } from './config.ts';
import { answerLive } from './live.ts';
import { answerLlHls } from './live-ll.ts';
import { CORS_ORIGINS, sendEmpty, sendError, sendRepresentation } from './respond.ts';
import { fileRepresentation, findRootFile, vodCacheControl } from './static-files.ts';

export interface PackagerServerOptions extends PackagerConfig {
  /** Wall clock in ms; defaults to Date.now. */
  readonly now?: () => number;
  /**
   * When live msn 0 started. Defaults to the fixed LIVE_EPOCH_MS so every packager instance (and
   * every restart) agrees on the live edge without coordinating — the shield can fail over between them.
   */
  readonly liveStartMs?: number;
  /** Where unexpected request failures are reported; defaults to stderr. */
  readonly log?: (line: string) => void;
}

/**
 * Default start of the live timelines: a fixed instant, not the Unix epoch. With a 30 s loop the
 * epoch gave EXT-X-DISCONTINUITY-SEQUENCE ≈ 60 million, and hls.js 1.7 walks its per-discontinuity
 * array from index 0 on every playlist load (stream-controller onLevelLoaded `initPTS.some`), which
 * cost ~0.8 s of main thread per reload: tolerable at 2 s segments, but LL-HLS reloads every 0.5 s
 * part and fell behind. From 2025-01-01 the sequence grows ~1 M a year (~15 ms per load).
 */
export const LIVE_EPOCH_MS = Date.UTC(2025, 0, 1);

export interface RunningPackager {
  readonly url: string;
  readonly port: number;
  close(): Promise<void>;
}

const ALLOW = 'GET, HEAD, OPTIONS';
const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/**
 * Starts the packager and resolves once it listens.
 *
 * @example
 *   const p = await startPackager({ host: '127.0.0.1', port: 0, root: '.media', liveWindow: 6 });
 *   await fetch(`${p.url}/vod/ts/master.m3u8`);
 *   await p.close();
 */
export async function startPackager(options: PackagerServerOptions): Promise<RunningPackager> {
  if (!Number.isInteger(options.liveWindow) || options.liveWindow < 1) {
    throw new TypeError(`liveWindow: expected an integer >= 1, got ${options.liveWindow}`);
  }
  const now = options.now ?? Date.now;
  const liveStartMs = options.liveStartMs ?? LIVE_EPOCH_MS;
  const log = options.log ?? ((line: string) => process.stderr.write(`${line}\n`));

  const server = createServer((req, res) => {
    handle(req, res).catch((error: unknown) => {
      log(
        `packager: ${req.method} ${req.url}: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`,
      );
      if (!res.headersSent) sendError(req, res, 'PACKAGER_ERR_INTERNAL', 'internal error');
      else res.destroy();
    });
  });

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const method = req.method ?? 'GET';
    if (method === 'OPTIONS') {
      sendEmpty(req, res, 204, {
        ...corsPreflightHeaders(req.headers.origin ?? null, CORS_ORIGINS),
        Allow: ALLOW,
      });
      return;
    }
    if (method !== 'GET' && method !== 'HEAD') {
      sendError(req, res, 'PACKAGER_ERR_METHOD_NOT_ALLOWED', `${method} is not allowed`, { Allow: ALLOW });
      return;
    }
    const rawPath = (req.url ?? '/').split('?')[0] ?? '/';
    const normalized = normalizeRequestPath(rawPath);
    if (!normalized.ok) {
      sendError(req, res, 'PACKAGER_ERR_BAD_PATH', `bad path (${normalized.error.reason})`);
      return;
    }
    const segments = pathSegments(normalized.value);
    if (segments[0] === 'live') {
      const answer = await answerLive(
        { root: options.root, windowSize: options.liveWindow, nowMs: now(), startMs: liveStartMs },
        segments.slice(1),
      );
      if (answer.ok) await sendRepresentation(req, res, answer.rep);
      else sendError(req, res, 'PACKAGER_ERR_NOT_FOUND', answer.message);
      return;
    }
    if (segments[0] === 'llhls') {
      const query = new URL(req.url ?? '/', 'http://packager').searchParams;
      const llContext = {
        root: options.root,
        windowSize: options.liveWindow,
        startMs: liveStartMs,
        now,
        sleep,
      };
      const answer = await answerLlHls(llContext, segments.slice(1), query);
      if (answer.ok) await sendRepresentation(req, res, answer.rep);
      else sendError(req, res, answer.code, answer.message);
      return;
    }
    const file = await findRootFile(options.root, segments);
    const name = segments.at(-1);
    if (file === undefined || name === undefined) {
      sendError(req, res, 'PACKAGER_ERR_NOT_FOUND', `not found: ${normalized.value}`);
      return;
    }
    await sendRepresentation(req, res, fileRepresentation(file, name, vodCacheControl(name)));
  }

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const { port } = server.address() as AddressInfo;
  const host = options.host.includes(':') ? `[${options.host}]` : options.host;
  return {
    url: `http://${host}:${port}`,
    port,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.close((error) => (error === undefined ? resolve() : reject(error)));
        // Keep-alive sockets would hold close() open until they time out.
        server.closeAllConnections();
      }),
  };
}
