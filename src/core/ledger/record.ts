/**
 * The egress record (DESIGN.md "Egress record"): one per response at each tier, what it sent and
 * to whom. Builds records from raw facts; the edge and the shield adapters measure the facts.
 *
 * Pure: no I/O, no clock (the caller passes `ts`), no hashing (the caller passes the hashed viewer,
 * see viewer-hash.ts). Must never put a token or a raw token `sub` into a record.
 */
import type { CmcdFacts } from '../cmcd/parse.ts';
import { type ContentKind, contentKindOf } from '../hls/content-kind.ts';

/** `rtc`: the WebRTC media server (issue 16), one record per WHEP/WHIP session, not per response. */
export const TIERS = ['edge', 'shield', 'origin', 'rtc'] as const;
export type Tier = (typeof TIERS)[number];

/** CMCD keys kept in the ledger (`sid` goes to `sessionId`). */
export type LedgerCmcd = Omit<CmcdFacts, 'sid'>;

/** One response as the ledger sees it. Optional fields are omitted from NDJSON when unknown. */
export interface EgressRecord {
  /** Response start, ms since the Unix epoch (Logpush EdgeStartTimestamp). */
  readonly ts: number;
  readonly tier: Tier;
  /** HTTP status sent (Logpush EdgeResponseStatus). */
  readonly status: number;
  /** This tier's cache status, upper case: HIT, MISS, STALE, COALESCED, BYPASS, … (CacheCacheStatus). */
  readonly cacheStatus: string;
  /** Body bytes actually sent to the client (EdgeResponseBodyBytes). */
  readonly bytes: number;
  /** Response header bytes as an HTTP/1.1 head (status line + fields + CRLFs). */
  readonly headerBytes: number;
  /** ISO 3166-1 alpha-2 (ClientCountry, upper-cased). */
  readonly country?: string;
  /** ISO 3166-2 subdivision without the country prefix (ClientRegionCode). */
  readonly region?: string;
  /** Data centre (EdgeColoCode). */
  readonly colo?: string;
  readonly contentKind: ContentKind;
  /** Normalised path without query and without a `/~t/<token>` prefix (ClientRequestPath). */
  readonly path: string;
  /** The first `contentDepth` directory segments of `path` (see contentIdOf). */
  readonly contentId: string;
  /** CMCD `sid`, else the token's `sid` claim. */
  readonly sessionId?: string;
  /** Hashed token `sub` (viewer-hash.ts); never the raw value. */
  readonly viewer?: string;
  /** Bytes this tier fetched from its upstream for this response (0 when served from cache). */
  readonly originBytes: number;
  /** Request start to last body byte (or disconnect), ms. */
  readonly durationMs: number;
  /** True when the client went away before the body was complete; `bytes` is what was sent. */
  readonly aborted?: boolean;
  readonly cmcd?: LedgerCmcd;
  /** Control-plane tenant owning the path (issue 15), when one does. */
  readonly tenant?: string;
  /** The viewer's network: autonomous system number (request.cf.asn; Logpush ClientASN). */
  readonly asn?: number;
  /** The AS's organisation name (request.cf.asOrganization). */
  readonly asOrganization?: string;
  /** Set on `rtc` records only (webrtc/session-record.ts): the session's protocol. */
  readonly protocol?: 'webrtc';
  /** `rtc` records: the stream name. */
  readonly stream?: string;
  /** `rtc` records: a WHEP viewer or a WHIP publisher. */
  readonly role?: RtcRole;
  /** `rtc` records: SRTP/SRTCP bytes received from the peer (a publisher's ingest). */
  readonly receivedBytes?: number;
  /**
   * `rtc` records: the media server's own session id (unlike `sessionId`, which is the token's `sid`
   * when there is one and may span sessions). Unique per session: the D1 ledger's idempotency key.
   */
  readonly rtcSessionId?: string;
}

export const RTC_ROLES = ['viewer', 'publisher'] as const;
export type RtcRole = (typeof RTC_ROLES)[number];

/** Raw facts an adapter measured for one response. */
export interface EgressFacts {
  readonly ts: number;
  readonly tier: Tier;
  readonly status: number;
  readonly cacheStatus?: string | null;
  readonly bytes: number;
  readonly headerBytes: number;
  readonly geo?: { readonly country?: string; readonly region?: string; readonly colo?: string };
  /** Request path; query and any token path prefix are removed here. */
  readonly path: string;
  readonly cmcd?: CmcdFacts;
  /** The verified token's `sid`, when any; CMCD `sid` wins (it names the player session). */
  readonly tokenSid?: string;
  /** Already hashed (hashViewer). */
  readonly viewer?: string;
  readonly originBytes: number;
  readonly durationMs: number;
  readonly aborted?: boolean;
  /** Directory segments that name a content item (default 1: `/vod/ts/720p/a.ts` → `vod`). */
  readonly contentDepth?: number;
  readonly tenant?: string;
  readonly network?: { readonly asn?: number; readonly asOrganization?: string };
}

/** Cache statuses that mean "served without going upstream for this request". */
const HIT_STATUSES: ReadonlySet<string> = new Set(['HIT', 'STALE', 'COALESCED', 'REVALIDATED', 'UPDATING']);

/** Upper-cases a tier's cache status; `NONE` when the tier reported none (errors, health checks). */
export function normalizeCacheStatus(raw: string | null | undefined): string {
  const s = raw?.trim().toUpperCase();
  return s ? s : 'NONE';
}

/** @example isCacheHit('STALE') // true — the object came from this tier's cache */
export function isCacheHit(cacheStatus: string): boolean {
  return HIT_STATUSES.has(cacheStatus);
}

/**
 * Strips the query, fragment and a leading `/~t/<token>` segment pair so no token reaches a ledger.
 *
 * @example ledgerPath('/~t/eyJ.x.y/vod/a.ts?token=z') // '/vod/a.ts'
 */
export function ledgerPath(raw: string): string {
  let path = raw;
  const cut = path.search(/[?#]/);
  if (cut >= 0) path = path.slice(0, cut);
  if (path.startsWith('/~t/')) {
    const next = path.indexOf('/', 4);
    path = next >= 0 ? path.slice(next) : '/';
  }
  return path === '' ? '/' : path;
}

/**
 * The content an object belongs to: the first `depth` directory segments of its path (the file
 * name is never part of it, so all renditions and segments of one title share an id). A file at
 * the root has contentId `/`.
 *
 * @example contentIdOf('/vod/ts/720p/seg_00001.ts') // 'vod'
 * @example contentIdOf('/vod/ts/720p/seg_00001.ts', 2) // 'vod/ts'
 */
export function contentIdOf(path: string, depth = 1): string {
  const dirs = ledgerPath(path)
    .split('/')
    .filter((s) => s !== '')
    .slice(0, -1);
  const id = dirs.slice(0, Math.max(1, depth)).join('/');
  return id === '' ? '/' : id;
}

/**
 * Bytes of an HTTP/1.1 response head: `HTTP/1.1 200 OK\r\n`, `name: value\r\n` per field, `\r\n`.
 * An estimate for HTTP/2-3 (HPACK/QPACK compress), but stable and comparable across tiers.
 */
export function headerBytesOf(status: number, headers: Iterable<readonly [string, string]>): number {
  // Reason phrases vary; count a fixed 2-byte "OK"-sized phrase so the number is deterministic.
  let n = `HTTP/1.1 ${status} OK\r\n`.length + 2;
  for (const [name, value] of headers) n += name.length + 2 + utf8Length(value) + 2;
  return n;
}

function utf8Length(s: string): number {
  let n = 0;
  for (const ch of s) {
    const cp = ch.codePointAt(0) ?? 0;
    n += cp < 0x80 ? 1 : cp < 0x800 ? 2 : cp < 0x10000 ? 3 : 4;
  }
  return n;
}

/**
 * @example
 *   buildEgressRecord({ ts: 0, tier: 'edge', status: 200, cacheStatus: 'hit', bytes: 10, headerBytes: 90,
 *     path: '/vod/ts/720p/s.ts', originBytes: 0, durationMs: 3 })
 *   // { …, cacheStatus: 'HIT', contentKind: 'segment', contentId: 'vod' }
 */
export function buildEgressRecord(facts: EgressFacts): EgressRecord {
  const path = ledgerPath(facts.path);
  const { sid, ...cmcd } = facts.cmcd ?? {};
  const sessionId = sid ?? facts.tokenSid;
  const geo = facts.geo ?? {};
  return {
    ts: Math.trunc(facts.ts),
    tier: facts.tier,
    status: facts.status,
    cacheStatus: normalizeCacheStatus(facts.cacheStatus),
    bytes: nonNegativeInt(facts.bytes),
    headerBytes: nonNegativeInt(facts.headerBytes),
    ...(geo.country ? { country: geo.country.toUpperCase() } : {}),
    ...(geo.region ? { region: geo.region } : {}),
    ...(geo.colo ? { colo: geo.colo } : {}),
    contentKind: contentKindOf(path),
    path,
    contentId: contentIdOf(path, facts.contentDepth),
    ...(sessionId ? { sessionId } : {}),
    ...(facts.viewer ? { viewer: facts.viewer } : {}),
    originBytes: nonNegativeInt(facts.originBytes),
    durationMs: Math.max(0, Math.round(facts.durationMs)),
    ...(facts.aborted ? { aborted: true } : {}),
    ...(Object.keys(cmcd).length > 0 ? { cmcd } : {}),
    ...(facts.tenant ? { tenant: facts.tenant } : {}),
    ...(facts.network?.asn !== undefined && Number.isSafeInteger(facts.network.asn) && facts.network.asn > 0
      ? { asn: facts.network.asn }
      : {}),
    ...(facts.network?.asOrganization ? { asOrganization: facts.network.asOrganization } : {}),
  };
}

function nonNegativeInt(n: number): number {
  return Number.isFinite(n) && n > 0 ? Math.trunc(n) : 0;
}
