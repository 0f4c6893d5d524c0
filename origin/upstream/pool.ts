/**
 * One packager behind a keep-alive undici `Pool`: a single request attempt with timeouts.
 *
 * Knows nothing about failover or caching (failover.ts composes targets). Must never forward a
 * client's credentials: request headers are built from an allowlist here, not copied.
 */
import type { Readable } from 'node:stream';
import { Pool } from './undici-pool.ts';

/** Response headers as lower-case names; repeated fields joined with ", ". */
export type UpstreamHeaders = Readonly<Record<string, string>>;

/** A packager response with its body not yet read. The consumer must read, discard or destroy it. */
export interface UpstreamResponse {
  readonly status: number;
  readonly headers: UpstreamHeaders;
  readonly body: Readable;
  /** Base URL of the packager that answered (for logs). */
  readonly upstream: string;
  /**
   * Set when a sibling worker answered instead of a packager (origin/cluster/peer-upstream.ts): the
   * owner's `x-cache`. Its bytes are then not packager bytes.
   */
  readonly peerCache?: string;
}

/** One packager. `request` rejects with the raw undici/socket error; classification is the caller's. */
export interface UpstreamTarget {
  readonly base: string;
  request(pathAndQuery: string, headers: UpstreamHeaders): Promise<UpstreamResponse>;
  /** Graceful close waits for in-flight requests; `force` aborts them. */
  close(force: boolean): Promise<void>;
}

/** Keep-alive and timeout settings for a pool. */
export interface PoolOptions {
  /** Applied to connect, response headers and the gap between body chunks. */
  readonly timeoutMs: number;
  /** Sockets per packager; bounded so a stampede cannot exhaust the packager. */
  readonly connections?: number;
}

/**
 * Creates a target for one packager base URL (a path prefix in the base is kept).
 *
 * @example
 *   const t = createPoolTarget('http://127.0.0.1:8080', { timeoutMs: 10_000 });
 *   const r = await t.request('/vod/ts/master.m3u8', upstreamRequestHeaders());
 */
export function createPoolTarget(baseUrl: string, options: PoolOptions): UpstreamTarget {
  const url = new URL(baseUrl);
  const prefix = url.pathname.replace(/\/+$/, '');
  const pool = new Pool(url.origin, {
    connections: options.connections ?? 64,
    connectTimeout: options.timeoutMs,
    headersTimeout: options.timeoutMs,
    bodyTimeout: options.timeoutMs,
    keepAliveTimeout: 4_000,
  });
  return {
    base: url.href,
    async request(pathAndQuery, headers) {
      const res = await pool.request({ method: 'GET', path: `${prefix}${pathAndQuery}`, headers });
      return {
        status: res.statusCode,
        headers: flattenHeaders(res.headers),
        body: res.body,
        upstream: url.href,
      };
    },
    close: (force) => (force ? pool.destroy() : pool.close()),
  };
}

/**
 * The headers the shield sends upstream. Deliberately not derived from the client's request:
 * no Authorization, Cookie or x-edgeshield-auth; no Range (whole objects are fetched and ranges cut
 * from the cache); identity encoding so the cached bytes are what Content-Length describes.
 *
 * @example upstreamRequestHeaders()['accept-encoding'] // 'identity'
 */
export function upstreamRequestHeaders(): UpstreamHeaders {
  return {
    'accept-encoding': 'identity',
    'user-agent': 'edgeshield-shield/0.1',
    via: '1.1 edgeshield-shield',
  };
}

/** Header record with lower-case names and repeated fields joined (undici's shape → ours). */
export function flattenHeaders(raw: Record<string, string | string[] | undefined>): UpstreamHeaders {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(raw)) {
    if (value === undefined) continue;
    out[name.toLowerCase()] = Array.isArray(value) ? value.join(', ') : value;
  }
  return out;
}
