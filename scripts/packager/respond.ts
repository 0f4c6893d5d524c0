/**
 * Writing packager responses: conditional requests (304), byte ranges (206/416), HEAD, CORS and the
 * JSON error body. The routes only decide *what* to send (a Representation or an error code); this
 * module decides *how*, identically for files on disk and generated live playlists.
 */
import { createReadStream } from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { pipeline } from 'node:stream/promises';
import { corsHeaders } from '../../src/core/http/cors.ts';
import { contentRangeValue, resolveRange } from '../../src/core/http/range.ts';
import { errorBodyText } from '../../src/core/http/shield-contract.ts';
import { httpStatusOf, type PackagerErrorCode } from './errors.ts';

export const CORS_ORIGINS = ['*'] as const;

/** What to send for a GET: bytes in memory or a file region, plus its validators. */
export interface Representation {
  readonly contentType: string;
  readonly cacheControl: string;
  readonly size: number;
  /** Strong entity tag, quoted. */
  readonly etag: string;
  readonly lastModifiedMs?: number;
  readonly body:
    | { readonly kind: 'bytes'; readonly bytes: Uint8Array }
    | { readonly kind: 'file'; readonly path: string };
}

function baseHeaders(req: IncomingMessage): Record<string, string> {
  return { ...corsHeaders(req.headers.origin ?? null, CORS_ORIGINS), 'X-Content-Type-Options': 'nosniff' };
}

/** Sends an error as `{ code, message }` JSON with the status from the one code → status map. */
export function sendError(
  req: IncomingMessage,
  res: ServerResponse,
  code: PackagerErrorCode,
  message: string,
  extraHeaders: Record<string, string> = {},
): void {
  const body = Buffer.from(errorBodyText(code, message));
  res.writeHead(httpStatusOf(code), {
    ...baseHeaders(req),
    'Content-Type': 'application/json',
    'Content-Length': String(body.length),
    'Cache-Control': 'no-store',
    ...extraHeaders,
  });
  res.end(req.method === 'HEAD' ? undefined : body);
}

/** Sends a bodiless answer (204 preflight). */
export function sendEmpty(
  req: IncomingMessage,
  res: ServerResponse,
  status: number,
  headers: Record<string, string>,
): void {
  res.writeHead(status, { ...baseHeaders(req), ...headers });
  res.end();
}

/**
 * Answers GET/HEAD for a representation: 304 when a validator matches, 206/416 for a Range,
 * otherwise 200. Resolves when the body is written (or the client went away).
 */
export async function sendRepresentation(
  req: IncomingMessage,
  res: ServerResponse,
  rep: Representation,
): Promise<void> {
  const validators: Record<string, string> = { ETag: rep.etag, 'Cache-Control': rep.cacheControl };
  if (rep.lastModifiedMs !== undefined)
    validators['Last-Modified'] = new Date(rep.lastModifiedMs).toUTCString();
  if (notModified(req, rep)) {
    res.writeHead(304, { ...baseHeaders(req), ...validators });
    res.end();
    return;
  }
  const ifRangeHeader = req.headers['if-range'];
  const ifRange = Array.isArray(ifRangeHeader) ? ifRangeHeader[0] : ifRangeHeader;
  const range =
    ifRange === undefined || ifRangeMatches(ifRange, rep)
      ? resolveRange(req.headers.range, rep.size)
      : ({ kind: 'full' } as const);
  if (range.kind === 'unsatisfiable') {
    sendError(req, res, 'PACKAGER_ERR_RANGE_NOT_SATISFIABLE', `range not satisfiable for ${rep.size} bytes`, {
      'Content-Range': contentRangeValue(rep.size),
      'Accept-Ranges': 'bytes',
    });
    return;
  }
  const start = range.kind === 'partial' ? range.start : 0;
  const end = range.kind === 'partial' ? range.end : rep.size - 1;
  const headers: Record<string, string> = {
    ...baseHeaders(req),
    ...validators,
    'Content-Type': rep.contentType,
    'Content-Length': String(Math.max(0, end - start + 1)),
    'Accept-Ranges': 'bytes',
  };
  if (range.kind === 'partial') headers['Content-Range'] = contentRangeValue(rep.size, range);
  res.writeHead(range.kind === 'partial' ? 206 : 200, headers);
  if (req.method === 'HEAD' || rep.size === 0) {
    res.end();
    return;
  }
  if (rep.body.kind === 'bytes') {
    res.end(rep.body.bytes.subarray(start, end + 1));
    return;
  }
  try {
    await pipeline(createReadStream(rep.body.path, { start, end }), res);
  } catch {
    // The client hung up or the file vanished mid-read; headers are gone, so just drop the socket.
    res.destroy();
  }
}

/** RFC 9110 §13.1.2 (weak comparison) and §13.1.3 (only without If-None-Match). */
function notModified(req: IncomingMessage, rep: Representation): boolean {
  const inm = req.headers['if-none-match'];
  if (inm !== undefined) {
    const tags = inm.split(',').map((t) => t.trim());
    return tags.includes('*') || tags.some((t) => stripWeak(t) === stripWeak(rep.etag));
  }
  const ims = req.headers['if-modified-since'];
  if (ims === undefined || rep.lastModifiedMs === undefined) return false;
  const since = Date.parse(ims);
  // HTTP dates have one-second resolution.
  return Number.isFinite(since) && Math.floor(rep.lastModifiedMs / 1000) * 1000 <= since;
}

/** RFC 9110 §13.1.5: a Range applies only if If-Range still names this representation (strong match). */
function ifRangeMatches(ifRange: string, rep: Representation): boolean {
  const value = ifRange.trim();
  if (value.startsWith('"') || value.startsWith('W/')) return value === rep.etag;
  if (rep.lastModifiedMs === undefined) return false;
  return Date.parse(value) === Math.floor(rep.lastModifiedMs / 1000) * 1000;
}

function stripWeak(tag: string): string {
  return tag.startsWith('W/') ? tag.slice(2) : tag;
}
