/**
 * `POST /rtc-usage`: the RTC media server pushes the egress records of ended WebRTC sessions here
 * (origin/rtc/usage-push.ts), and the edge puts them on EGRESS_QUEUE, the same Queue → consumer → D1
 * path as its own records, so `GET /api/v1/usage` and `--from d1` statements see WebRTC egress.
 *
 * Authenticated like the edge → media server hop, in reverse: `x-edgeshield-auth: <RTC_SHARED_SECRET>`,
 * compared in constant time. Answered before the viewer chain: no token, CORS or egress record (the
 * push itself is not viewer traffic). The body is a JSON array (one parse, and a cut-off body is never
 * half-read as NDJSON lines would be) of at most 256 KiB, checked whole by the core (usage-batch.ts):
 * one bad record refuses the batch with every issue named, nothing queued. Idempotent: the consumer
 * keys each row by the session's `rtcSessionId`, so a re-sent batch counts once.
 * Must not echo the secret or queue anything from a refused batch.
 */
import type { Context } from 'hono';
import { RTC_AUTH_HEADER } from '../../core/webrtc/contract.ts';
import { parseRtcUsageBatch, RTC_USAGE_MAX_BODY_BYTES } from '../../core/webrtc/usage-batch.ts';
import type { RtcConfig } from '../config-rtc.ts';
import type { EdgeHonoEnv } from '../context.ts';
import type { QueueProducer } from '../egress/sinks.ts';
import { EdgeError } from '../errors.ts';
import { readCapped } from '../read-capped.ts';
import { sameSecret } from '../same-secret.ts';

export interface RtcUsageDeps {
  /** WebRTC config; undefined (RTC_URLS unset) or without a secret = the route is off (501). */
  readonly rtc: RtcConfig | undefined;
  /** The EGRESS_QUEUE binding; undefined = 503, the media server retries. */
  readonly queue: QueueProducer | undefined;
  readonly now: () => number;
}

/** Cloudflare Queues `sendBatch` limits: 100 messages and 256 KB per call; stay well under the bytes. */
const QUEUE_BATCH_MESSAGES = 100;
const QUEUE_BATCH_BYTES = 192 * 1024;

/** @example app.post(RTC_USAGE_PATH, rtcUsageRoute({ rtc: config.rtc, queue: env.EGRESS_QUEUE, now })) */
export function rtcUsageRoute(deps: RtcUsageDeps) {
  return async function rtcUsage(c: Context<EdgeHonoEnv>): Promise<Response> {
    const secret = deps.rtc?.secret;
    // Without a secret anyone could bill anyone: the route stays off rather than open.
    if (secret === undefined)
      throw new EdgeError(
        'EDGE_ERR_RTC_DISABLED',
        deps.rtc ? 'RTC_SHARED_SECRET unset: WebRTC usage push is off' : 'RTC_URLS unset',
      );
    if (!(await sameSecret(c.req.header(RTC_AUTH_HEADER) ?? '', secret)))
      throw new EdgeError('EDGE_ERR_RTC_USAGE_UNAUTHORIZED', 'missing or wrong media server secret');
    const queue = deps.queue;
    if (queue === undefined) throw new EdgeError('EDGE_ERR_RTC_USAGE_UNAVAILABLE', 'no EGRESS_QUEUE binding');
    const bytes = await readCapped(
      c.req.raw,
      RTC_USAGE_MAX_BODY_BYTES,
      () => new EdgeError('EDGE_ERR_RTC_USAGE_TOO_LARGE', 'usage batch too large'),
    );
    const body = parseJson(bytes);
    const batch =
      body === NOT_JSON
        ? {
            ok: false as const,
            error: ['body: expected a JSON array of rtc egress records, got invalid JSON'],
          }
        : parseRtcUsageBatch(body, deps.now());
    if (!batch.ok) {
      console.warn(
        JSON.stringify({ level: 'warn', event: 'rtc-usage-refused', issues: batch.error.slice(0, 10) }),
      );
      throw new EdgeError('EDGE_ERR_RTC_USAGE_BAD_REQUEST', `${batch.error.length} issue(s)`, {
        detail: { issues: batch.error },
      });
    }
    try {
      // A failure after an earlier chunk went in is fine: the retry re-sends those, and they count once.
      for (const chunk of queueChunks(batch.value)) await queue.sendBatch(chunk.map((body) => ({ body })));
    } catch (cause) {
      throw new EdgeError('EDGE_ERR_RTC_USAGE_UNAVAILABLE', 'EGRESS_QUEUE refused the batch', { cause });
    }
    return c.json({ accepted: batch.value.length }, 202, { 'cache-control': 'no-store' });
  };
}

const NOT_JSON: unique symbol = Symbol('not JSON');

/** The body as JSON, or NOT_JSON when it is not UTF-8 JSON. */
function parseJson(bytes: ArrayBuffer): unknown {
  try {
    return JSON.parse(new TextDecoder('utf-8', { fatal: true, ignoreBOM: false }).decode(bytes));
  } catch {
    return NOT_JSON;
  }
}

/** Splits records into sendBatch calls within Cloudflare's per-call limits. */
function queueChunks<T>(records: readonly T[]): T[][] {
  const chunks: T[][] = [];
  let chunk: T[] = [];
  let size = 0;
  for (const record of records) {
    // UTF-16 length × 3 bounds the UTF-8 size; a little per message for the envelope.
    const bytes = JSON.stringify(record).length * 3 + 64;
    if (chunk.length === QUEUE_BATCH_MESSAGES || (chunk.length > 0 && size + bytes > QUEUE_BATCH_BYTES)) {
      chunks.push(chunk);
      chunk = [];
      size = 0;
    }
    chunk.push(record);
    size += bytes;
  }
  if (chunk.length > 0) chunks.push(chunk);
  return chunks;
}
