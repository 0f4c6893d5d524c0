/**
 * The RTC media server's HTTP side: WHEP/WHIP signalling per src/core/webrtc/contract.ts, health,
 * and a JSON view of live sessions. `startRtcServer` starts the sample feed and the listener and
 * returns `{ url, stop() }` (scripts/stack and tests run it in-process). Errors map to HTTP in one
 * place (`toResponse`); clients get JSON bodies, never a stack.
 */
import { timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { errorBodyText } from '../../src/core/http/shield-contract.ts';
import {
  parseRtcPath,
  parseRtcViewerHeader,
  RTC_AUTH_HEADER,
  RTC_VIEWER_HEADER,
  rtcSessionPath,
} from '../../src/core/webrtc/contract.ts';
import { rtcSessionRecord } from '../../src/core/webrtc/session-record.ts';
import { createLogger, type Logger } from '../log.ts';
import type { RtcConfig } from './config.ts';
import { RtcError } from './errors.ts';
import { createLedgerSink } from './ledger.ts';
import {
  addTrickleCandidates,
  checkOfferText,
  MAX_TRICKLE_CANDIDATES_PER_PATCH,
  MAX_TRICKLE_CANDIDATES_PER_SESSION,
} from './peer.ts';
import { type SampleFeed, startSampleFeed } from './sample-feed.ts';
import { SessionRegistry } from './sessions.ts';
import { createUsagePusher } from './usage-push.ts';

export interface RtcServer {
  readonly url: string;
  /** Live sessions (WHEP viewers and WHIP publishers). */
  readonly sessions: SessionRegistry;
  /** The ffmpeg sample feed, when RTC_SAMPLE_STREAM is on. */
  readonly sample: SampleFeed | undefined;
  stop(): Promise<void>;
  /**
   * For a dying process (uncaught exception): ends every session as `failed` with its ledger record
   * written synchronously and tells ffmpeg to stop, all before returning; the caller then exits.
   */
  abort(): void;
}

export interface RtcServerOptions {
  readonly config: RtcConfig;
  readonly logger?: Logger;
}

/**
 * How long `stop()` keeps pushing usage records to the edge: short, so SIGTERM still ends within a
 * supervisor's grace period (`npm start` sends SIGKILL 5 s after SIGTERM). What is left stays in the
 * NDJSON file.
 */
const USAGE_FLUSH_DEADLINE_MS = 3_000;

/** Offers are a few KiB; anything far bigger is not SDP. */
const MAX_BODY_BYTES = 64 * 1024;
const SDP_TYPE = 'application/sdp';
const TRICKLE_TYPE = 'application/trickle-ice-sdpfrag';

/**
 * @example
 *   const rtc = await startRtcServer({ config: parsedConfig });
 *   console.log(`${rtc.url}/whep/live`); … await rtc.stop();
 */
export async function startRtcServer(options: RtcServerOptions): Promise<RtcServer> {
  const { config } = options;
  const logger = options.logger ?? createLogger(config.logLevel, (line) => process.stdout.write(line));
  const ledger = createLedgerSink(config.egressLog, logger);
  // RTC_USAGE_URL: the same records also go to the edge's D1 ledger (needs the shared secret).
  const usage =
    config.usageUrl !== undefined && config.sharedSecret !== undefined
      ? createUsagePusher({
          url: config.usageUrl,
          secret: config.sharedSecret,
          batchSize: config.usageBatchSize,
          maxQueue: config.usageMaxQueue,
          logger,
        })
      : undefined;
  const sessions = new SessionRegistry({
    ...config,
    logger,
    onSessionEnd: (facts) => {
      const record = rtcSessionRecord(facts);
      ledger.write(record);
      usage?.push(record);
    },
  });
  let sample: SampleFeed | undefined;
  if (config.sampleStream !== undefined)
    sample = await startSampleFeed({
      ffmpegPath: config.ffmpegPath,
      hub: sessions.hub(config.sampleStream),
      logger,
    });

  const server = createServer((req, res) => {
    handle(req, res).catch((e: unknown) => send(res, req, toResponse(e, logger)));
  });
  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const path = (req.url ?? '/').split('?')[0] ?? '/';
    if (req.method === 'OPTIONS') return send(res, req, { status: 204, headers: preflightHeaders() });
    if (path === '/healthz') return send(res, req, json(200, { ok: true }));
    if (path === '/readyz') {
      const ready = sample === undefined || sample.live(Date.now());
      return send(
        res,
        req,
        json(ready ? 200 : 503, {
          ready,
          sampleStream: config.sampleStream ?? null,
          sampleRestarts: sample?.restarts ?? 0,
        }),
      );
    }
    if (
      config.sharedSecret !== undefined &&
      !secretMatches(req.headers[RTC_AUTH_HEADER], config.sharedSecret)
    )
      throw new RtcError('RTC_ERR_UNAUTHORIZED', 'missing or wrong media server credential');
    if (path === '/stats' && (req.method === 'GET' || req.method === 'HEAD'))
      return send(res, req, json(200, stats(sessions)));
    const rtc = parseRtcPath(path);
    if (!rtc) return send(res, req, routeError(404, 'RTC_ERR_NOT_FOUND', 'no such resource'));
    if (rtc.session === undefined) {
      if (req.method !== 'POST') return send(res, req, methodNotAllowed('POST, OPTIONS'));
      if (!isType(req, SDP_TYPE))
        throw new RtcError('RTC_ERR_UNSUPPORTED_MEDIA_TYPE', `the offer must be ${SDP_TYPE}`);
      const offer = await readBody(req);
      checkOfferText(offer);
      const viewer = parseRtcViewerHeader(headerText(req.headers[RTC_VIEWER_HEADER]));
      const { session, answer } =
        rtc.kind === 'whep'
          ? await sessions.createViewer(rtc.stream, offer, viewer)
          : await sessions.createPublisher(rtc.stream, offer, viewer);
      // The client may have gone while we answered: that session is nobody's.
      if (req.socket.destroyed) {
        session.end('disconnected');
        return;
      }
      return send(res, req, {
        status: 201,
        headers: {
          'content-type': SDP_TYPE,
          location: rtcSessionPath(rtc.kind, rtc.stream, session.id),
          etag: session.etag,
          // WHIP/WHEP: the session resource takes trickle ICE fragments (RFC 8840).
          'accept-patch': TRICKLE_TYPE,
        },
        body: answer,
      });
    }
    const session = sessions.find(rtc.kind, rtc.stream, rtc.session);
    if (req.method === 'DELETE') {
      session.end('deleted');
      return send(res, req, json(200, { deleted: true }));
    }
    if (req.method === 'PATCH') {
      if (!isType(req, TRICKLE_TYPE))
        throw new RtcError('RTC_ERR_UNSUPPORTED_MEDIA_TYPE', `trickle ICE must be ${TRICKLE_TYPE}`);
      const ifMatch = headerText(req.headers['if-match']);
      if (ifMatch !== undefined && ifMatch !== '*' && ifMatch !== session.etag)
        return send(
          res,
          req,
          routeError(412, 'RTC_ERR_PRECONDITION_FAILED', 'ETag does not match the session'),
        );
      const budget = Math.min(
        MAX_TRICKLE_CANDIDATES_PER_PATCH,
        MAX_TRICKLE_CANDIDATES_PER_SESSION - session.trickleCandidates,
      );
      session.trickleCandidates += await addTrickleCandidates(session.pc, await readBody(req), budget);
      return send(res, req, { status: 204, headers: {} });
    }
    return send(res, req, methodNotAllowed('PATCH, DELETE, OPTIONS'));
  }

  const headersFor = (req: IncomingMessage): Record<string, string> => {
    const origin = headerText(req.headers.origin);
    const allow = config.corsOrigins.includes('*')
      ? '*'
      : origin !== undefined && config.corsOrigins.includes(origin)
        ? origin
        : undefined;
    if (allow === undefined) return { vary: 'Origin' };
    return {
      'access-control-allow-origin': allow,
      'access-control-expose-headers': 'Location, ETag, Link, Retry-After',
      ...(allow === '*' ? {} : { vary: 'Origin' }),
    };
  };
  const preflightHeaders = () => ({
    'access-control-allow-methods': 'POST, PATCH, DELETE, OPTIONS',
    'access-control-allow-headers': 'Content-Type, Authorization, If-Match',
    'access-control-max-age': '600',
  });
  function send(res: ServerResponse, req: IncomingMessage, reply: Reply): void {
    if (res.headersSent || res.destroyed) return;
    const body = reply.body ?? '';
    res.writeHead(reply.status, {
      ...headersFor(req),
      ...reply.headers,
      'content-length': Buffer.byteLength(body),
    });
    res.end(req.method === 'HEAD' ? undefined : body);
  }

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(config.port, config.host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const address = server.address() as AddressInfo;
  const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  let stopped: Promise<void> | undefined;
  return {
    url: `http://${host}:${address.port}`,
    sessions,
    sample,
    stop() {
      stopped ??= (async () => {
        const closed = new Promise<void>((resolve) => server.close(() => resolve()));
        server.closeIdleConnections();
        sessions.endAll('shutdown');
        await sample?.stop();
        server.closeAllConnections();
        await closed;
        await ledger.close();
        await usage?.flush(USAGE_FLUSH_DEADLINE_MS);
      })();
      return stopped;
    },
    abort() {
      ledger.goSync();
      sessions.endAll('failed');
      usage?.abandon();
      // stop() sends ffmpeg SIGTERM synchronously; its exit is not awaited.
      sample?.stop().catch(() => {});
    },
  };
}

interface Reply {
  readonly status: number;
  readonly headers: Readonly<Record<string, string>>;
  readonly body?: string;
}

function json(status: number, value: unknown): Reply {
  return { status, headers: { 'content-type': 'application/json' }, body: `${JSON.stringify(value)}\n` };
}

/** Errors of routing itself (not in the contract's RTC_ERR_* table: the edge never forwards these). */
function routeError(status: number, code: string, message: string): Reply {
  return { status, headers: { 'content-type': 'application/json' }, body: errorBodyText(code, message) };
}

function methodNotAllowed(allow: string): Reply {
  const reply = routeError(405, 'RTC_ERR_METHOD_NOT_ALLOWED', 'method not allowed here');
  return { ...reply, headers: { ...reply.headers, allow } };
}

/** The one place errors become HTTP: an RtcError keeps its code; anything else is logged, then 500. */
export function toResponse(error: unknown, logger: Logger): Reply {
  if (error instanceof RtcError) {
    if (error.status >= 500)
      logger.warn('rtc request failed', { code: error.code, cause: String(error.cause) });
    return {
      status: error.status,
      headers: {
        'content-type': 'application/json',
        ...(error.retryAfterSec === undefined ? {} : { 'retry-after': String(error.retryAfterSec) }),
      },
      body: errorBodyText(error.code, error.message),
    };
  }
  logger.error('rtc request failed', {
    error: error instanceof Error ? (error.stack ?? error.message) : String(error),
  });
  return routeError(500, 'RTC_ERR_INTERNAL', 'internal error');
}

function stats(sessions: SessionRegistry): unknown {
  const now = Date.now();
  return {
    sessions: sessions.list().map((s) => ({
      id: s.id,
      kind: s.kind,
      stream: s.stream,
      ageMs: now - s.startedAt,
      connectMs: s.connectedAt === undefined ? null : s.connectedAt - s.startedAt,
      ...((b) => ({ bytesSent: b.sent, bytesReceived: b.received }))(s.bytes()),
    })),
  };
}

function headerText(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}

function isType(req: IncomingMessage, type: string): boolean {
  return (headerText(req.headers['content-type']) ?? '').split(';')[0]?.trim().toLowerCase() === type;
}

function secretMatches(given: string | string[] | undefined, secret: string): boolean {
  const a = Buffer.from(headerText(given) ?? '');
  const b = Buffer.from(secret);
  return a.length === b.length && timingSafeEqual(a, b);
}

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > MAX_BODY_BYTES) throw new RtcError('RTC_ERR_BAD_SDP', 'the body is too large for SDP');
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks).toString('utf8');
}
