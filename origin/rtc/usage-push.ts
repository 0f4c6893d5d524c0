/**
 * Pushes ended sessions' egress records to the edge's `POST /rtc-usage` (RTC_USAGE_URL), which queues
 * them for the D1 ledger, so a tenant's WebRTC egress shows in `GET /api/v1/usage` beside its HLS.
 * This is on top of the NDJSON file (RTC_EGRESS_LOG), which keeps every record whatever happens here.
 *
 * - One request in flight; records ended meanwhile wait and go in the next batch (at most
 *   RTC_USAGE_BATCH_SIZE records and the edge's 256 KiB body cap).
 * - The waiting queue is bounded (RTC_USAGE_MAX_QUEUE): at the bound the oldest record is dropped and
 *   counted in the log, so an edge that is down for hours cannot exhaust memory.
 * - Network errors, timeouts, 5xx, 408 and 429 retry the same batch with backoff (1 s doubling to
 *   60 s; a `Retry-After` in seconds wins). The edge keys rows by `rtcSessionId`, so a batch it took
 *   whose answer was lost counts once when re-sent.
 * - Any other answer means the batch itself is bad, and re-sending it cannot help: a 400 naming some of
 *   its records (`[i].field: …`) drops those and sends the rest once more (strictly smaller, so this
 *   ends); anything else drops the batch. Dropped records are logged with their session ids.
 * - `flush` (SIGTERM) keeps sending until the queue is empty or its deadline passes.
 * Must not send or log the secret, and never throws into a session's teardown.
 */
import type { EgressRecord } from '../../src/core/ledger/record.ts';
import { RTC_AUTH_HEADER } from '../../src/core/webrtc/contract.ts';
import { RTC_USAGE_MAX_BODY_BYTES, RTC_USAGE_PATH } from '../../src/core/webrtc/usage-batch.ts';
import type { Logger } from '../log.ts';

export interface UsagePusherOptions {
  /** The edge's base URL. */
  readonly url: string;
  /** RTC_SHARED_SECRET, sent as `x-edgeshield-auth`. */
  readonly secret: string;
  readonly batchSize: number;
  readonly maxQueue: number;
  readonly logger: Logger;
  readonly fetch?: typeof fetch;
  /** Deadline for one request (default 10 s). */
  readonly timeoutMs?: number;
}

export interface UsagePusher {
  push(record: EgressRecord): void;
  /** Sends what is queued until nothing is left or `deadlineMs` has passed (shutdown). */
  flush(deadlineMs: number): Promise<void>;
  /** Records not yet delivered: waiting plus the batch in flight. */
  pending(): number;
  /** The process is dying: logs what was not delivered (the NDJSON file has it). */
  abandon(): void;
}

const FIRST_RETRY_MS = 1_000;
const MAX_RETRY_MS = 60_000;
/** A `Retry-After` is honoured within these bounds (0 would make a tight loop). */
const MIN_RETRY_AFTER_MS = 250;
const MAX_RETRY_AFTER_MS = 300_000;
/** Room for the JSON array's brackets and commas under the edge's cap. */
const BODY_BUDGET = RTC_USAGE_MAX_BODY_BYTES - 1024;

type Outcome =
  | { readonly kind: 'delivered' }
  | { readonly kind: 'dropped' }
  | { readonly kind: 'resend'; readonly rest: EgressRecord[] }
  | { readonly kind: 'retry'; readonly reason: string; readonly retryAfterMs?: number };

/** @example const usage = createUsagePusher({ url: 'http://127.0.0.1:8787', secret, batchSize: 100, maxQueue: 10_000, logger }) */
export function createUsagePusher(options: UsagePusherOptions): UsagePusher {
  const { logger, secret, batchSize, maxQueue } = options;
  const send = options.fetch ?? fetch;
  const timeoutMs = options.timeoutMs ?? 10_000;
  const endpoint = `${options.url}${RTC_USAGE_PATH}`;
  const waiting: EgressRecord[] = [];
  let batch: EgressRecord[] | undefined;
  let pump: Promise<void> | undefined;
  let failures = 0;
  let dropped = 0;
  /** Epoch ms after which a shutdown flush stops trying. */
  let deadline: number | undefined;
  let abandoned = false;
  /** Ends the current backoff wait early (a flush started). */
  let wake: (() => void) | undefined;

  const start = () => {
    pump ??= run().finally(() => {
      pump = undefined;
    });
  };

  async function run(): Promise<void> {
    while (!abandoned && (batch !== undefined || waiting.length > 0)) {
      if (deadline !== undefined && Date.now() >= deadline) return;
      batch ??= takeBatch();
      const outcome = await post(batch);
      if (outcome.kind === 'delivered' || outcome.kind === 'dropped') {
        batch = undefined;
        failures = 0;
        continue;
      }
      if (outcome.kind === 'resend') {
        batch = outcome.rest;
        continue;
      }
      failures++;
      let delay = outcome.retryAfterMs ?? Math.min(MAX_RETRY_MS, FIRST_RETRY_MS * 2 ** (failures - 1));
      // Shutting down: retry sooner, within what is left of the deadline.
      if (deadline !== undefined) delay = Math.min(delay, MIN_RETRY_AFTER_MS, deadline - Date.now());
      logger.warn('rtc usage push failed; retrying', {
        reason: outcome.reason,
        attempt: failures,
        retryInMs: delay,
        pending: pendingCount(),
        droppedTotal: dropped,
      });
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, Math.max(0, delay));
        wake = () => {
          clearTimeout(timer);
          resolve();
        };
      });
      wake = undefined;
    }
  }

  /** The oldest waiting records that fit one request. */
  function takeBatch(): EgressRecord[] {
    const out: EgressRecord[] = [];
    let size = 2;
    while (out.length < batchSize && waiting.length > 0) {
      const next = waiting[0] as EgressRecord;
      const bytes = Buffer.byteLength(JSON.stringify(next)) + 1;
      if (out.length > 0 && size + bytes > BODY_BUDGET) break;
      out.push(next);
      waiting.shift();
      size += bytes;
    }
    return out;
  }

  async function post(records: EgressRecord[]): Promise<Outcome> {
    const left = deadline === undefined ? timeoutMs : Math.max(1, Math.min(timeoutMs, deadline - Date.now()));
    let status: number;
    let text: string;
    let retryAfter: string | null;
    try {
      const res = await send(endpoint, {
        method: 'POST',
        headers: { 'content-type': 'application/json', [RTC_AUTH_HEADER]: secret },
        body: JSON.stringify(records),
        signal: AbortSignal.timeout(left),
        redirect: 'manual',
      });
      status = res.status;
      retryAfter = res.headers.get('retry-after');
      text = await res.text();
    } catch (e) {
      return { kind: 'retry', reason: e instanceof Error ? `${e.name}: ${e.message}` : String(e) };
    }
    if (status >= 200 && status < 300) {
      logger.debug('rtc usage delivered', { records: records.length });
      return { kind: 'delivered' };
    }
    if (status >= 500 || status === 408 || status === 429) {
      const seconds = /^\s*\d+\s*$/.test(retryAfter ?? '') ? Number(retryAfter) * 1000 : undefined;
      return {
        kind: 'retry',
        reason: `HTTP ${status}`,
        ...(seconds === undefined
          ? {}
          : { retryAfterMs: Math.min(MAX_RETRY_AFTER_MS, Math.max(MIN_RETRY_AFTER_MS, seconds)) }),
      };
    }
    const issues = status === 400 ? issuesOf(text) : [];
    const named = new Set(issues.flatMap((issue) => /^\[(\d+)\]/.exec(issue)?.[1] ?? []).map(Number));
    const bad = records.filter((_, i) => named.has(i));
    if (bad.length > 0 && bad.length < records.length) {
      logDropped('rtc usage records refused by the edge: dropped, sending the rest', status, bad, issues);
      return { kind: 'resend', rest: records.filter((_, i) => !named.has(i)) };
    }
    logDropped('rtc usage batch refused by the edge: dropped (not retried)', status, records, issues, text);
    return { kind: 'dropped' };
  }

  function logDropped(
    msg: string,
    status: number,
    records: readonly EgressRecord[],
    issues: readonly string[],
    body?: string,
  ): void {
    logger.error(msg, {
      status,
      records: records.length,
      sessions: records.map((r) => r.rtcSessionId ?? r.sessionId ?? null),
      ...(issues.length > 0 ? { issues: issues.slice(0, 20) } : body ? { body: body.slice(0, 500) } : {}),
    });
  }

  const pendingCount = () => waiting.length + (batch?.length ?? 0);

  return {
    push(record) {
      if (abandoned) return;
      waiting.push(record);
      if (waiting.length > maxQueue) {
        waiting.shift();
        dropped++;
        // The first drop, then every thousandth: visible without flooding the log while the edge is down.
        if (dropped === 1 || dropped % 1000 === 0)
          logger.warn('rtc usage queue full: dropping the oldest records (RTC_EGRESS_LOG has them)', {
            droppedTotal: dropped,
            maxQueue,
          });
      }
      start();
    },
    async flush(deadlineMs) {
      deadline = Date.now() + deadlineMs;
      wake?.();
      start();
      await pump;
      const left = pendingCount();
      if (left > 0)
        logger.warn('rtc usage not delivered at shutdown (RTC_EGRESS_LOG has them)', { records: left });
    },
    pending: pendingCount,
    abandon() {
      abandoned = true;
      wake?.();
      const left = pendingCount();
      if (left > 0) logger.warn('rtc usage not delivered (RTC_EGRESS_LOG has them)', { records: left });
    },
  };
}

/** The `issues` of an edge error body, or none. */
function issuesOf(text: string): string[] {
  try {
    const issues: unknown = JSON.parse(text).issues;
    return Array.isArray(issues) ? issues.filter((i): i is string => typeof i === 'string') : [];
  } catch {
    return [];
  }
}
