/**
 * The edge ↔ RTC media server contract (WHIP, RFC 9725, for ingest; WHEP for playback), in one
 * place so both sides import names instead of spelling them. The edge checks the viewer's token and
 * geo rules, then proxies the signalling exchange (SDP offer/answer, trickle ICE, teardown) to a
 * media server picked by rendezvous on the stream name. Media itself flows between the browser and
 * the media server (ICE/DTLS/SRTP), never through the edge, so the media server meters the bytes.
 * Pure: no I/O, no runtime imports.
 *
 * Paths are the same on the edge and on the media server, so the edge can keep a session resource
 * behind itself by passing the path through and dropping the media server's origin:
 *   POST   /whep/<stream>                  offer (application/sdp) → 201 answer, Location
 *   POST   /whip/<stream>                  offer (application/sdp) → 201 answer, Location
 *   PATCH  /<whep|whip>/<stream>/sessions/<id>   trickle ICE (application/trickle-ice-sdpfrag) → 204
 *   DELETE /<whep|whip>/<stream>/sessions/<id>   → 200, session torn down
 */
import { SHIELD_AUTH_HEADER } from '../http/shield-contract.ts';

/** Header carrying the edge ↔ media server shared secret (same name as the shield's). */
export const RTC_AUTH_HEADER = SHIELD_AUTH_HEADER;

/** Header carrying the admitted viewer's facts (JSON, see RtcViewer), set only by the edge. */
export const RTC_VIEWER_HEADER = 'x-edgeshield-viewer';

export const RTC_KINDS = ['whep', 'whip'] as const;
export type RtcKind = (typeof RTC_KINDS)[number];

/** Stream names: what a path segment may hold, no dots or slashes (no traversal, no ambiguity). */
export const RTC_STREAM_PATTERN = /^[A-Za-z0-9_-]{1,64}$/;

/** Session ids the media server issues: 22–64 url-safe characters (≥128 random bits). */
export const RTC_SESSION_PATTERN = /^[A-Za-z0-9_-]{22,64}$/;

/** What the edge knows about an admitted viewer or publisher; recorded in the media server's ledger. */
export interface RtcViewer {
  readonly country?: string;
  readonly region?: string;
  readonly colo?: string;
  /** Hashed token `sub` (ledger/viewer-hash.ts), never the raw value. */
  readonly viewer?: string;
  /** The token's `sid` claim. */
  readonly sessionId?: string;
  readonly tenant?: string;
  readonly asn?: number;
  readonly asOrganization?: string;
}

/** A parsed signalling path. */
export interface RtcPath {
  readonly kind: RtcKind;
  readonly stream: string;
  /** Present for the session resource (PATCH/DELETE). */
  readonly session?: string;
}

/**
 * Parses `/whep/<stream>`, `/whip/<stream>` and their `/sessions/<id>` resources; anything else
 * (extra segments, bad characters, encoded slashes) is undefined.
 *
 * @example parseRtcPath('/whep/live/sessions/AAAAAAAAAAAAAAAAAAAAAA') // { kind: 'whep', stream: 'live', session: 'AAAA…' }
 */
export function parseRtcPath(path: string): RtcPath | undefined {
  const parts = path.split('/');
  if (parts[0] !== '' || (parts.length !== 3 && parts.length !== 5)) return undefined;
  const [, kind, stream, sessions, session] = parts;
  if (kind !== 'whep' && kind !== 'whip') return undefined;
  if (stream === undefined || !RTC_STREAM_PATTERN.test(stream)) return undefined;
  if (parts.length === 3) return { kind, stream };
  if (sessions !== 'sessions' || session === undefined || !RTC_SESSION_PATTERN.test(session))
    return undefined;
  return { kind, stream, session };
}

/** The path of a session resource, as both tiers put it in `Location`. */
export function rtcSessionPath(kind: RtcKind, stream: string, session: string): string {
  return `/${kind}/${stream}/sessions/${session}`;
}

/** Serialises the viewer header. */
export function rtcViewerHeader(viewer: RtcViewer): string {
  return JSON.stringify(viewer);
}

/** Parses the viewer header; a malformed value reads as no facts (the media server still serves). */
export function parseRtcViewerHeader(value: string | null | undefined): RtcViewer {
  if (!value) return {};
  try {
    const parsed: unknown = JSON.parse(value);
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) return {};
    const out: Record<string, string | number> = {};
    for (const [key, field] of Object.entries(parsed)) {
      if (key === 'asn' ? typeof field === 'number' && Number.isInteger(field) : typeof field === 'string') {
        if (VIEWER_KEYS.has(key)) out[key] = field as string | number;
      }
    }
    return out as RtcViewer;
  } catch {
    return {};
  }
}

const VIEWER_KEYS = new Set([
  'country',
  'region',
  'colo',
  'viewer',
  'sessionId',
  'tenant',
  'asn',
  'asOrganization',
]);

/**
 * Error codes the media server answers with (JSON body as errorBodyText in shield-contract.ts).
 * The edge passes 4xx bodies through; an unreachable or failing media server becomes the edge's own
 * EDGE_ERR_* code.
 */
export const RTC_ERRORS = {
  RTC_ERR_UNAUTHORIZED: 401,
  RTC_ERR_STREAM_NOT_FOUND: 404,
  RTC_ERR_SESSION_NOT_FOUND: 404,
  RTC_ERR_BAD_SDP: 400,
  RTC_ERR_UNSUPPORTED_MEDIA_TYPE: 415,
  RTC_ERR_PUBLISHER_EXISTS: 409,
  /** One viewer (token `sub`/`sid`) holds RTC_MAX_SESSIONS_PER_VIEWER sessions on the stream already. */
  RTC_ERR_TOO_MANY_SESSIONS: 429,
  RTC_ERR_STREAM_FULL: 503,
  RTC_ERR_INTERNAL: 500,
} as const;
export type RtcErrorCode = keyof typeof RTC_ERRORS;
