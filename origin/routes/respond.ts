/**
 * Writing shield responses: cached objects (with Range and HEAD), errors, and timing headers.
 *
 * Every response gets the caller's CORS headers, errors included. Must not decide cacheability or
 * talk upstream; bodies written here are already complete in memory.
 */
import { type IncomingMessage, type ServerResponse, STATUS_CODES } from 'node:http';
import type { Duplex } from 'node:stream';
import { contentRangeValue, resolveRange } from '../../src/core/http/range.ts';
import type { CacheStatus } from '../../src/core/http/shield-contract.ts';
import type { CachedObject } from '../cache/store.ts';
import { ShieldError, toResponse } from '../errors.ts';
import { hitHeaderList } from '../lane/hit-head.ts';

/** `x-cache` values the shield emits (the edge ↔ shield contract). */
export type { CacheStatus } from '../../src/core/http/shield-contract.ts';

/** One GET/HEAD content request after routing, auth and path normalisation. */
export interface RequestContext {
  readonly req: IncomingMessage;
  readonly res: ServerResponse;
  readonly method: 'GET' | 'HEAD';
  /** Normalised path (normalizeRequestPath). */
  readonly path: string;
  /** contentQuery() of the client's query: '' or '?…'. */
  readonly query: string;
  /** Cache key: path + query. */
  readonly key: string;
  /** ms from the shield clock when the request arrived. */
  readonly startedAt: number;
  readonly cors: Readonly<Record<string, string>>;
}

/**
 * `Server-Timing` value: always `shield`, plus `origin` when the request went upstream.
 *
 * @example serverTiming(12.3, 8) // 'shield;dur=12.3, origin;dur=8'
 */
export function serverTiming(shieldMs: number, originMs?: number): string {
  const fmt = (ms: number) => String(Math.round(Math.max(0, ms) * 10) / 10);
  const shield = `shield;dur=${fmt(shieldMs)}`;
  return originMs === undefined ? shield : `${shield}, origin;dur=${fmt(originMs)}`;
}

/** How an in-memory object is being served. */
export interface ObjectServe {
  readonly cacheStatus: CacheStatus;
  /** Set on hits: the `Age` header in seconds. */
  readonly ageSec?: number;
  readonly serverTiming: string;
}

/**
 * Sends a complete in-memory object: 200, a single-range 206, or 416; HEAD sends headers only. A
 * negative (404/410) entry is sent as the shield's SHIELD_ERR_NOT_FOUND error. The body Buffer is
 * written as stored: no copy on the hit path.
 *
 * @example sendObject(ctx, cached, { cacheStatus: 'HIT', ageSec: 3, serverTiming: serverTiming(0.2) })
 */
export function sendObject(ctx: RequestContext, object: CachedObject, serve: ObjectServe): void {
  if (object.status !== 200) {
    sendError(
      ctx.res,
      new ShieldError('SHIELD_ERR_NOT_FOUND', 'not found'),
      ctx.cors,
      ctx.method === 'HEAD',
      {
        'x-cache': serve.cacheStatus,
        'server-timing': serve.serverTiming,
      },
    );
    return;
  }
  const size = object.body.byteLength;
  if (ctx.req.headers.range === undefined) {
    // The same head as the fast paths' (lane/hit-head.ts), then the stored Buffer as is.
    const flat = hitHeaderList({
      cors: ctx.cors,
      stored: object.headers,
      bodyBytes: size,
      cacheStatus: serve.cacheStatus,
      serverTiming: serve.serverTiming,
      ageSec: serve.ageSec,
    });
    ctx.res.writeHead(200, flat);
    ctx.res.end(ctx.method === 'HEAD' ? undefined : object.body);
    return;
  }
  const headers: Record<string, string> = {
    ...ctx.cors,
    ...object.headers,
    'accept-ranges': 'bytes',
    'x-cache': serve.cacheStatus,
    'server-timing': serve.serverTiming,
  };
  if (serve.ageSec !== undefined) headers.age = String(serve.ageSec);
  const decision = resolveRange(rangeToHonour(ctx.req, object), size);
  let status = 200;
  let body = object.body;
  if (decision.kind === 'partial') {
    status = 206;
    body = object.body.subarray(decision.start, decision.end + 1);
    headers['content-range'] = contentRangeValue(size, decision);
  } else if (decision.kind === 'unsatisfiable') {
    status = 416;
    body = new Uint8Array(0);
    headers['content-range'] = contentRangeValue(size);
  }
  headers['content-length'] = String(body.byteLength);
  ctx.res.writeHead(status, headers);
  ctx.res.end(ctx.method === 'HEAD' ? undefined : body);
}

/**
 * Sends the error response for anything thrown (via the shield's single `toResponse`). When the
 * headers are already out the only honest signal left is to abort the connection.
 *
 * @example sendError(res, new ShieldError('SHIELD_ERR_BAD_PATH', 'invalid path'), cors, false)
 */
export function sendError(
  res: ServerResponse,
  error: unknown,
  cors: Readonly<Record<string, string>>,
  headOnly: boolean,
  extra: Readonly<Record<string, string>> = {},
): number {
  const response = toResponse(error);
  if (res.headersSent) {
    res.destroy();
    return response.status;
  }
  res.writeHead(response.status, {
    ...cors,
    ...response.headers,
    ...extra,
    'content-length': String(Buffer.byteLength(response.body)),
  });
  res.end(headOnly ? undefined : response.body);
  return response.status;
}

/** RFC 9110 §13.1.5: with If-Range, honour Range only if the validator still matches (strongly). */
function rangeToHonour(req: IncomingMessage, object: CachedObject): string | undefined {
  const range = req.headers.range;
  const ifRange = req.headers['if-range'];
  if (range === undefined || ifRange === undefined) return range;
  if (typeof ifRange !== 'string') return undefined;
  const etag = object.headers.etag;
  if (ifRange.startsWith('"') && etag !== undefined && !etag.startsWith('W/') && etag === ifRange)
    return range;
  if (!ifRange.startsWith('"') && ifRange === object.headers['last-modified']) return range;
  return undefined;
}

/**
 * Answers a request Node's HTTP parser refused (malformed, ambiguous framing, headers over 16 KiB,
 * too slow) with the shield's JSON error and a stable code, then closes the connection: after a
 * parse error nothing later on it can be trusted. Used as the server's `clientError` listener.
 *
 * @example server.on('clientError', answerClientError);
 */
export function answerClientError(error: Error & { code?: string }, socket: Duplex): void {
  // Node keeps the response in progress on the socket; once its headers are out, only an abort is honest.
  const inProgress = (socket as Duplex & { _httpMessage?: { headersSent?: boolean } })._httpMessage;
  if (error.code === 'ECONNRESET' || !socket.writable || inProgress?.headersSent === true) {
    socket.destroy();
    return;
  }
  const code =
    error.code === 'HPE_HEADER_OVERFLOW'
      ? 'SHIELD_ERR_HEADERS_TOO_LARGE'
      : error.code === 'ERR_HTTP_REQUEST_TIMEOUT'
        ? 'SHIELD_ERR_REQUEST_TIMEOUT'
        : 'SHIELD_ERR_BAD_REQUEST';
  socket.end(rawErrorResponse(new ShieldError(code, 'malformed HTTP request')));
}

/**
 * A whole error response as raw HTTP/1.1 text ending the connection (`connection: close`), for
 * sockets no ServerResponse owns: Node's parser refused the request, a lane deadline passed, or the
 * connection cap was reached. The body is `toResponse`'s, like every other shield error.
 *
 * @example socket.end(rawErrorResponse(new ShieldError('SHIELD_ERR_REQUEST_TIMEOUT', 'head too slow')))
 */
export function rawErrorResponse(error: ShieldError): string {
  const response = toResponse(error);
  let head = `HTTP/1.1 ${response.status} ${STATUS_CODES[response.status] ?? ''}\r\n`;
  for (const [name, value] of Object.entries(response.headers)) head += `${name}: ${value}\r\n`;
  head += `content-length: ${Buffer.byteLength(response.body)}\r\nconnection: close\r\n\r\n`;
  return head + response.body;
}
