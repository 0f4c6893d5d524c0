/**
 * Reading ledgers: our NDJSON egress records and Cloudflare Logpush `http_requests` NDJSON, line
 * by line, into EgressRecords; and the field mapping between the two.
 *
 * Pure: no I/O. Never throws: a bad line becomes an issue `{ line, message }` and is skipped.
 */
import { cmcdFactsFrom, parseCmcd } from '../cmcd/parse.ts';
import { RTC_SESSION_PATTERN } from '../webrtc/contract.ts';
import { buildEgressRecord, type EgressRecord, TIERS, type Tier } from './record.ts';

/** Our field → the Logpush http_requests field carrying the same fact (where one exists). */
export const LOGPUSH_FIELDS = {
  ts: 'EdgeStartTimestamp',
  status: 'EdgeResponseStatus',
  cacheStatus: 'CacheCacheStatus',
  bytes: 'EdgeResponseBodyBytes',
  headerBytes: 'EdgeResponseBytes − EdgeResponseBodyBytes',
  country: 'ClientCountry',
  region: 'ClientRegionCode',
  colo: 'EdgeColoCode',
  path: 'ClientRequestPath',
  originBytes: 'OriginResponseBytes',
  durationMs: 'EdgeEndTimestamp − EdgeStartTimestamp',
  sessionId: 'CMCD sid in ClientRequestURI',
} as const;

export interface LineIssue {
  readonly line: number;
  readonly message: string;
}

export interface ParsedLedger {
  readonly records: EgressRecord[];
  readonly issues: LineIssue[];
}

/**
 * Epoch ms from a Logpush timestamp in any `timestamp_format`: RFC 3339 string, unix seconds,
 * unix nanoseconds (and ms/µs, which our own records and some exporters use).
 */
export function timestampMs(value: unknown): number | undefined {
  if (typeof value === 'string') {
    if (/^\d+$/.test(value)) return timestampMs(Number(value));
    const t = Date.parse(value);
    return Number.isNaN(t) ? undefined : t;
  }
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 0) return undefined;
  if (value < 1e11) return value * 1000; // seconds
  if (value < 1e14) return value; // milliseconds
  if (value < 1e17) return value / 1e3; // microseconds
  return value / 1e6; // nanoseconds
}

function num(value: unknown): number | undefined {
  return typeof value === 'number' && Number.isFinite(value) ? value : undefined;
}

function str(value: unknown): string | undefined {
  return typeof value === 'string' && value !== '' ? value : undefined;
}

/** One Logpush http_requests object → an edge-tier record, or why not. */
export function fromLogpush(o: Record<string, unknown>): EgressRecord | string {
  const ts = timestampMs(o.EdgeStartTimestamp);
  if (ts === undefined) return 'EdgeStartTimestamp missing or not a timestamp';
  const status = num(o.EdgeResponseStatus);
  if (status === undefined) return 'EdgeResponseStatus missing';
  const total = num(o.EdgeResponseBytes) ?? 0;
  const body = num(o.EdgeResponseBodyBytes) ?? total;
  const uri = str(o.ClientRequestURI) ?? '';
  const path = str(o.ClientRequestPath) ?? uri;
  const end = timestampMs(o.EdgeEndTimestamp);
  const cacheStatus = str(o.CacheCacheStatus);
  const origin = num(o.OriginResponseBytes);
  const miss = cacheStatus === 'miss' || cacheStatus === 'expired' || cacheStatus === 'bypass';
  const country = str(o.ClientCountry);
  const region = str(o.ClientRegionCode);
  const colo = str(o.EdgeColoCode);
  const asn = num(o.ClientASN);
  return buildEgressRecord({
    ts,
    tier: 'edge',
    status,
    cacheStatus: cacheStatus ?? null,
    bytes: body,
    headerBytes: Math.max(0, total - body),
    geo: {
      ...(country ? { country } : {}),
      ...(region ? { region } : {}),
      ...(colo ? { colo } : {}),
    },
    path,
    cmcd: parseCmcd(uri.includes('?') ? uri.slice(uri.indexOf('?') + 1) : ''),
    // OriginResponseBytes is deprecated and often absent: a miss then fetched the whole body.
    originBytes: origin ?? (miss ? body : 0),
    durationMs: end !== undefined ? end - ts : 0,
    ...(asn !== undefined ? { network: { asn } } : {}),
  });
}

/** One of our NDJSON records (as written by the sinks) → a validated record, or why not. */
export function fromOurs(o: Record<string, unknown>): EgressRecord | string {
  const ts = timestampMs(o.ts);
  if (ts === undefined) return 'ts missing or not a timestamp';
  if (typeof o.tier !== 'string' || !(TIERS as readonly string[]).includes(o.tier)) {
    return `tier: expected one of ${TIERS.join('|')}`;
  }
  const status = num(o.status);
  const bytes = num(o.bytes);
  if (status === undefined || bytes === undefined) return 'status and bytes must be numbers';
  const cmcd = typeof o.cmcd === 'object' && o.cmcd !== null ? (o.cmcd as Record<string, unknown>) : {};
  const country = str(o.country);
  const region = str(o.region);
  const colo = str(o.colo);
  const sessionId = str(o.sessionId);
  const viewer = str(o.viewer);
  const tenant = str(o.tenant);
  const asn = num(o.asn);
  const asOrganization = str(o.asOrganization);
  const record = buildEgressRecord({
    ts,
    tier: o.tier as Tier,
    status,
    cacheStatus: str(o.cacheStatus) ?? null,
    bytes,
    headerBytes: num(o.headerBytes) ?? 0,
    geo: {
      ...(country ? { country } : {}),
      ...(region ? { region } : {}),
      ...(colo ? { colo } : {}),
    },
    path: str(o.path) ?? '/',
    ...(sessionId ? { tokenSid: sessionId } : {}),
    ...(viewer ? { viewer } : {}),
    originBytes: num(o.originBytes) ?? 0,
    durationMs: num(o.durationMs) ?? 0,
    aborted: o.aborted === true,
    cmcd: cmcdFactsFrom(cmcd),
    ...(tenant ? { tenant } : {}),
    network: { ...(asn !== undefined ? { asn } : {}), ...(asOrganization ? { asOrganization } : {}) },
  });
  // The writer already chose contentId (its depth is configurable): keep it rather than re-derive.
  const kept = { ...record, contentId: str(o.contentId) ?? record.contentId };
  return record.tier === 'rtc' ? { ...kept, ...rtcFields(o) } : kept;
}

/**
 * The WebRTC session fields of an `rtc` record (webrtc/session-record.ts), where valid. A D1 ledger row
 * has no `role` column: its path (`/whip/…` publisher, `/whep/…` viewer) says it.
 */
function rtcFields(o: Record<string, unknown>): Partial<EgressRecord> {
  const stream = str(o.stream);
  const received = num(o.receivedBytes);
  const path = str(o.path) ?? '';
  const role =
    o.role === 'viewer' || o.role === 'publisher'
      ? o.role
      : path.startsWith('/whip/')
        ? 'publisher'
        : path.startsWith('/whep/')
          ? 'viewer'
          : undefined;
  const session = str(o.rtcSessionId);
  return {
    protocol: 'webrtc',
    ...(stream ? { stream } : {}),
    ...(role ? { role } : {}),
    ...(received !== undefined && received > 0 ? { receivedBytes: Math.trunc(received) } : {}),
    ...(session && RTC_SESSION_PATTERN.test(session) ? { rtcSessionId: session } : {}),
  };
}

/**
 * Parses NDJSON text holding our records, Logpush records, or a mix. Blank lines are skipped.
 *
 * @example parseLedgerText('{"ts":1,"tier":"edge","status":200,"bytes":5}\n').records.length // 1
 */
export function parseLedgerText(text: string, firstLine = 1): ParsedLedger {
  const records: EgressRecord[] = [];
  const issues: LineIssue[] = [];
  const lines = text.split('\n');
  for (const [i, raw] of lines.entries()) {
    const line = raw.trim();
    if (line === '') continue;
    const result = parseLedgerLine(line);
    if (typeof result === 'string') issues.push({ line: firstLine + i, message: result });
    else records.push(result);
  }
  return { records, issues };
}

/** One NDJSON line → record or a reason it was skipped. */
export function parseLedgerLine(line: string): EgressRecord | string {
  let o: unknown;
  try {
    o = JSON.parse(line);
  } catch {
    return 'not JSON';
  }
  if (typeof o !== 'object' || o === null || Array.isArray(o)) return 'not a JSON object';
  const obj = o as Record<string, unknown>;
  if ('EdgeStartTimestamp' in obj || 'EdgeResponseStatus' in obj) return fromLogpush(obj);
  if ('tier' in obj) return fromOurs(obj);
  return 'neither an egress record (tier, …) nor a Logpush http_requests record (EdgeStartTimestamp, …)';
}
