/**
 * The media server → edge usage push: `POST /rtc-usage` carries a JSON array of `rtc` session records
 * (session-record.ts) that the edge queues for the D1 ledger, so a tenant's WebRTC egress is billed
 * beside its HLS egress. This module holds the path, the caps and the strict check of one batch.
 *
 * A batch is taken whole or refused whole: every problem comes back as an issue named by the record's
 * index (`[3].bytes: expected …, got -1`), so the sender can drop what is bad and send the rest, and
 * nothing is ever half-counted. Fields the edge derives (path, contentId, cacheStatus, …) are rebuilt
 * from the checked ones; unknown fields are ignored, so a newer media server is not refused for
 * sending more than this edge reads.
 *
 * Pure: no I/O; the caller passes `nowMs`.
 */
import { shown } from '../config/issue.ts';
import type { EgressRecord } from '../ledger/record.ts';
import { err, ok, type Result } from '../result.ts';
import { RTC_SESSION_PATTERN, RTC_STREAM_PATTERN } from './contract.ts';

/** The edge route; answered before the viewer chain, like `POST /purge`. */
export const RTC_USAGE_PATH = '/rtc-usage';
/** Body cap (413 beyond it); the media server cuts its batches to fit. */
export const RTC_USAGE_MAX_BODY_BYTES = 256 * 1024;
/** Records per request (a record is ≥ ~250 bytes of JSON, so the body cap allows about this many). */
export const RTC_USAGE_MAX_RECORDS = 1000;
/**
 * How old a session's start may be: a month plus a few days. Older is a clock or unit error (seconds
 * for milliseconds) or a backlog whose month is billed already; the NDJSON file still has it.
 */
export const RTC_USAGE_MAX_AGE_MS = 35 * 86_400_000;
/** How far a session's end may lie ahead of the edge's clock (clock skew between the two hosts). */
export const RTC_USAGE_MAX_SKEW_MS = 5 * 60_000;

/** Visible text without control characters, of bounded length. */
const TEXT = /^\P{Cc}+$/u;
const COUNTRY = /^[A-Z0-9]{2}$/;
const MAX_U32 = 4_294_967_295;

/** Optional text fields: the record field and its longest allowed value. */
const OPTIONAL_TEXT = [
  ['region', 16],
  ['colo', 16],
  ['viewer', 64],
  ['tenant', 64],
  ['asOrganization', 256],
] as const;

/**
 * Checks a parsed body; the records come back rebuilt in the shape the media server writes to NDJSON.
 *
 * @example parseRtcUsageBatch([{ tier: 'edge' }], Date.now()) // { ok: false, error: ['[0].tier: expected "rtc", got "edge"', …] }
 */
export function parseRtcUsageBatch(body: unknown, nowMs: number): Result<EgressRecord[], string[]> {
  if (!Array.isArray(body))
    return err([`body: expected a JSON array of rtc egress records, got ${kindOf(body)}`]);
  if (body.length === 0) return err(['body: expected at least one record, got []']);
  if (body.length > RTC_USAGE_MAX_RECORDS)
    return err([`body: expected at most ${RTC_USAGE_MAX_RECORDS} records, got ${body.length}`]);
  const issues: string[] = [];
  const records: EgressRecord[] = [];
  const seen = new Map<string, number>();
  for (const [i, item] of body.entries()) {
    const record = checkRecord(item, nowMs, (field, expected, got) =>
      issues.push(`[${i}]${field === '' ? '' : `.${field}`}: expected ${expected}, got ${got}`),
    );
    if (record === undefined) continue;
    const first = seen.get(record.rtcSessionId ?? '');
    if (first !== undefined)
      issues.push(`[${i}].rtcSessionId: expected one record per session, got a repeat of [${first}]`);
    else seen.set(record.rtcSessionId ?? '', i);
    records.push(record);
  }
  return issues.length > 0 ? err(issues) : ok(records);
}

type Report = (field: string, expected: string, got: string) => void;

function checkRecord(item: unknown, nowMs: number, report: Report): EgressRecord | undefined {
  if (typeof item !== 'object' || item === null || Array.isArray(item)) {
    report('', 'an rtc egress record (a JSON object)', kindOf(item));
    return undefined;
  }
  const o = item as Record<string, unknown>;
  let bad = false;
  const fail: Report = (field, expected, got) => {
    bad = true;
    report(field, expected, got);
  };
  const integer = (field: string, min: number, max: number, what: string): number => {
    const v = o[field];
    if (typeof v === 'number' && Number.isSafeInteger(v) && v >= min && v <= max) return v;
    fail(field, what, shown(v));
    return 0;
  };
  const text = (field: string, max: number, required: boolean): string | undefined => {
    const v = o[field];
    if (v === undefined && !required) return undefined;
    if (typeof v === 'string' && v.length <= max && TEXT.test(v)) return v;
    fail(field, `text of 1–${max} characters without control characters`, shown(v));
    return undefined;
  };

  if (o.tier !== 'rtc') fail('tier', '"rtc"', shown(o.tier));
  const ts = integer(
    'ts',
    nowMs - RTC_USAGE_MAX_AGE_MS,
    nowMs + RTC_USAGE_MAX_SKEW_MS,
    'the session start in epoch ms, within the last 35 days',
  );
  const durationMs = integer(
    'durationMs',
    0,
    Math.max(0, nowMs + RTC_USAGE_MAX_SKEW_MS - ts),
    'a non-negative integer (ms) with the session ending by now',
  );
  const status = integer('status', 100, 599, 'an HTTP status (200 ended, 499 peer dropped)');
  const bytes = integer('bytes', 0, Number.MAX_SAFE_INTEGER, 'a non-negative integer');
  const received =
    o.receivedBytes === undefined
      ? undefined
      : integer('receivedBytes', 0, Number.MAX_SAFE_INTEGER, 'a non-negative integer');
  const role = o.role === 'viewer' || o.role === 'publisher' ? o.role : undefined;
  if (role === undefined) fail('role', '"viewer" or "publisher"', shown(o.role));
  const stream = typeof o.stream === 'string' && RTC_STREAM_PATTERN.test(o.stream) ? o.stream : '';
  if (stream === '') fail('stream', 'a stream name (1–64 of A-Z a-z 0-9 _ -)', shown(o.stream));
  const rtcSessionId =
    typeof o.rtcSessionId === 'string' && RTC_SESSION_PATTERN.test(o.rtcSessionId) ? o.rtcSessionId : '';
  if (rtcSessionId === '')
    fail('rtcSessionId', "the media server's session id (22–64 url-safe characters)", shown(o.rtcSessionId));
  const sessionId = text('sessionId', 256, true);
  if (o.aborted !== undefined && typeof o.aborted !== 'boolean')
    fail('aborted', 'true or false', shown(o.aborted));
  const country = o.country;
  if (country !== undefined && !(typeof country === 'string' && COUNTRY.test(country)))
    fail('country', 'an upper-case ISO 3166-1 alpha-2 code', shown(country));
  const asn = o.asn === undefined ? undefined : integer('asn', 1, MAX_U32, 'an AS number');
  const optional: Record<string, string> = {};
  for (const [field, max] of OPTIONAL_TEXT) {
    const value = text(field, max, false);
    if (value !== undefined) optional[field] = value;
  }
  if (bad || role === undefined || sessionId === undefined) return undefined;
  return {
    ts,
    tier: 'rtc',
    status,
    cacheStatus: 'NONE',
    bytes,
    headerBytes: 0,
    ...(typeof country === 'string' ? { country } : {}),
    ...(optional.region ? { region: optional.region } : {}),
    ...(optional.colo ? { colo: optional.colo } : {}),
    contentKind: 'other',
    path: `/${role === 'viewer' ? 'whep' : 'whip'}/${stream}`,
    contentId: stream,
    sessionId,
    ...(optional.viewer ? { viewer: optional.viewer } : {}),
    originBytes: 0,
    durationMs,
    ...(o.aborted === true ? { aborted: true } : {}),
    ...(optional.tenant ? { tenant: optional.tenant } : {}),
    ...(asn !== undefined ? { asn } : {}),
    ...(optional.asOrganization ? { asOrganization: optional.asOrganization } : {}),
    protocol: 'webrtc',
    stream,
    role,
    ...(received !== undefined ? { receivedBytes: received } : {}),
    rtcSessionId,
  };
}

function kindOf(value: unknown): string {
  if (Array.isArray(value)) return 'an array';
  if (value === null) return 'null';
  return typeof value === 'object' ? 'an object' : shown(value);
}
