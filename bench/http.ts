/**
 * The bench's HTTP client: one undici Agent, loopback only, every request bounded by a timeout and the
 * iteration's abort signal. Measures TTFB (headers) and TTLB (last body byte) and turns each response
 * into a RequestRecord. Must not follow redirects or talk to anything but 127.0.0.1/localhost.
 */
import { brotliDecompressSync, gunzipSync, inflateSync } from 'node:zlib';
import { Agent, request } from 'undici';
import { contentQuery } from '../src/core/cache/upstream-query.ts';
import { contentKindOf } from '../src/core/hls/content-kind.ts';
import type { RequestRecord } from './lib/record.ts';
import { parseServerTiming } from './lib/record.ts';
import { withoutPathToken } from './lib/token.ts';

export const REQUEST_TIMEOUT_MS = 15_000;

export interface HttpOptions {
  readonly headers?: Record<string, string>;
  readonly text?: boolean;
  readonly signal?: AbortSignal;
}

export interface HttpResult {
  readonly status: number;
  readonly headers: Record<string, string>;
  readonly text: string;
  readonly bytes: number;
  readonly ttfb: number;
  readonly ttlb: number;
  readonly errorCode?: string;
}

/** Refuses non-loopback URLs: the bench must never load anything beyond this machine. */
export function assertLoopback(url: URL): void {
  if (!['127.0.0.1', 'localhost', '[::1]'].includes(url.hostname)) {
    throw new TypeError(`bench targets loopback only, got ${url.host}`);
  }
}

/** A pooled client; `close()` when the run ends. */
export function createHttp(connections = 256) {
  const agent = new Agent({
    connections,
    keepAliveTimeout: 10_000,
    headersTimeout: REQUEST_TIMEOUT_MS,
    bodyTimeout: REQUEST_TIMEOUT_MS,
  });
  async function get(url: URL, options: HttpOptions = {}): Promise<HttpResult> {
    assertLoopback(url);
    const started = performance.now();
    const timeout = AbortSignal.timeout(REQUEST_TIMEOUT_MS);
    const signal = options.signal ? AbortSignal.any([options.signal, timeout]) : timeout;
    try {
      // Players send Accept-Encoding; bytes are counted as they cross the wire (egress is compressed bytes).
      const headers = { 'accept-encoding': 'br, gzip', ...options.headers };
      const res = await request(url, { method: 'GET', headers, signal, dispatcher: agent });
      const ttfb = performance.now() - started;
      const chunks: Buffer[] = [];
      let bytes = 0;
      const keep = options.text === true || res.statusCode >= 400;
      for await (const chunk of res.body) {
        const buf = chunk as Buffer;
        bytes += buf.length;
        if (keep) chunks.push(buf);
      }
      const responseHeaders: Record<string, string> = {};
      for (const [k, v] of Object.entries(res.headers)) {
        if (v !== undefined) responseHeaders[k] = Array.isArray(v) ? v.join(', ') : v;
      }
      const text = keep
        ? decode(Buffer.concat(chunks), responseHeaders['content-encoding']).toString('utf8')
        : '';
      const errorCode = res.statusCode >= 400 ? jsonCode(text) : undefined;
      return {
        status: res.statusCode,
        headers: responseHeaders,
        text,
        bytes,
        ttfb,
        ttlb: performance.now() - started,
        ...(errorCode === undefined ? {} : { errorCode }),
      };
    } catch (e) {
      const elapsed = performance.now() - started;
      const code = (e as { code?: unknown }).code;
      const name = e instanceof Error ? e.name : 'Error';
      return {
        status: 0,
        headers: {},
        text: '',
        bytes: 0,
        ttfb: elapsed,
        ttlb: elapsed,
        errorCode: typeof code === 'string' ? code : name,
      };
    }
  }
  return { get, close: () => agent.close() };
}

export type Http = ReturnType<typeof createHttp>;

/** Undoes Content-Encoding for bodies we read as text; unknown encodings pass through. */
function decode(body: Buffer, encoding: string | undefined): Buffer {
  try {
    if (encoding === 'br') return brotliDecompressSync(body);
    if (encoding === 'gzip') return gunzipSync(body);
    if (encoding === 'deflate') return inflateSync(body);
  } catch {
    // A corrupt body reads as garbage and fails the player's parse, which the checks count.
  }
  return body;
}

function jsonCode(text: string): string | undefined {
  try {
    const parsed = JSON.parse(text) as { code?: unknown };
    return typeof parsed.code === 'string' ? parsed.code : undefined;
  } catch {
    return undefined;
  }
}

/** The cache identity of a URL: path + content query (token, CMCD and busters dropped). */
export function objectKeyOf(url: URL): string {
  // A path-form token (`/~t/<token>/…`) is stripped by the edge before the cache key: strip it here too.
  return `${withoutPathToken(url.pathname)}${contentQuery(url.searchParams)}`;
}

/** Builds the RequestRecord for one measured response. */
export function toRecord(
  url: URL,
  result: HttpResult,
  fields: { t: number; target: string; country: string; scenario: string },
): RequestRecord {
  const timing = parseServerTiming(result.headers['server-timing']);
  const cache = result.headers['x-cache'];
  const shieldCache = result.headers['x-cache-shield'];
  return {
    t: fields.t,
    ttfb: result.ttfb,
    ttlb: result.ttlb,
    status: result.status,
    bytes: result.bytes,
    target: fields.target,
    kind: contentKindOf(url.pathname),
    object: objectKeyOf(url),
    country: fields.country,
    scenario: fields.scenario,
    ...(cache === undefined ? {} : { cache: cache.toUpperCase() }),
    ...(shieldCache === undefined ? {} : { shieldCache: shieldCache.toUpperCase() }),
    ...(timing.shield === undefined ? {} : { shieldMs: timing.shield }),
    ...(timing.origin === undefined ? {} : { originMs: timing.origin }),
    ...(result.errorCode === undefined ? {} : { errorCode: result.errorCode }),
  };
}
