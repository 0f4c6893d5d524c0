/**
 * Packager egress as the shield sees it (issue 8): DESIGN.md counts packager bytes at the shield,
 * so every packager response the shield reads becomes one `tier: 'origin'` record, and each shield
 * response learns how many packager bytes it made the shield fetch (`originBytes`).
 *
 * `withOriginEgress` decorates an `Upstream` without changing its shape (like breaker.ts does for a
 * target). It must not consume, pause or resume the body: it only counts what the producer pushes,
 * so the fill's own flow control is untouched. Failover attempts the failover layer drains itself
 * (5xx bodies) never reach this layer and are not recorded.
 */
import type { ServerResponse } from 'node:http';
import type { Readable } from 'node:stream';
import { buildEgressRecord, headerBytesOf } from '../src/core/ledger/record.ts';
import type { ShieldEgressLog } from './egress.ts';
import type { Upstream } from './upstream/failover.ts';

const fills = new WeakMap<ServerResponse, () => number>();

/**
 * Links a response to the packager fetch it triggered (a MISS or BYPASS fill): its `originBytes`
 * becomes the bytes that fetch received. Responses never linked (HIT, STALE, COALESCED) record 0.
 *
 * @example noteUpstreamFill(ctx.res, () => head.body.received)
 */
export function noteUpstreamFill(res: ServerResponse, received: () => number): void {
  fills.set(res, received);
}

/** Packager body bytes received for the fill this response triggered; 0 when it triggered none. */
export function upstreamBytesOf(res: ServerResponse): number {
  return fills.get(res)?.() ?? 0;
}

/**
 * Records one `origin` record per packager response: `bytes` = body bytes received from the
 * packager (what it sent us, even when the fill was abandoned), `originBytes` = `bytes` (every byte
 * the origin sends is origin egress; its offload is 0 by definition), `cacheStatus` NONE.
 *
 * @example const upstream = withOriginEgress(createUpstream(urls, options, logger), log, Date.now);
 */
export function withOriginEgress(upstream: Upstream, log: ShieldEgressLog, now: () => number): Upstream {
  return {
    async fetch(pathAndQuery, headers) {
      const start = now();
      const res = await upstream.fetch(pathAndQuery, headers);
      const count = countPushed(res.body);
      res.body.once('close', () => {
        try {
          const bytes = count();
          log.write(
            buildEgressRecord({
              ts: start,
              tier: 'origin',
              status: res.status,
              cacheStatus: 'NONE',
              bytes,
              headerBytes: headerBytesOf(res.status, Object.entries(res.headers)),
              path: pathAndQuery,
              originBytes: bytes,
              durationMs: now() - start,
              aborted: !res.body.readableEnded,
            }),
          );
        } catch {
          // Accounting must never break a fill.
        }
      });
      return res;
    },
    close: (force) => upstream.close(force),
  };
}

/**
 * Counts the bytes a producer pushes into `body`. Listening for 'data' would switch the stream to
 * flowing mode behind the fill's back; wrapping `push` (what undici and Readable.from call for
 * every chunk) sees each chunk exactly once whatever the consumer does.
 */
function countPushed(body: Readable): () => number {
  // The HTTP parser may push the first chunks in the same tick as the headers, before the await
  // chain reaches us; nobody has read them yet, so they are all still in the buffer.
  let bytes = body.readableLength;
  const push = body.push.bind(body);
  body.push = (chunk: unknown, encoding?: BufferEncoding): boolean => {
    if (chunk instanceof Uint8Array) bytes += chunk.byteLength;
    else if (typeof chunk === 'string') bytes += Buffer.byteLength(chunk, encoding);
    return push(chunk, encoding);
  };
  return () => bytes;
}
