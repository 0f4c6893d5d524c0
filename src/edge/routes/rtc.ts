/**
 * WHIP/WHEP signalling (issue 16): POST offers, PATCH trickle ICE and DELETE teardown, proxied to a
 * media server after the usual auth and geo gates. The method guard already matched the path and
 * method. The request to the media server is built from scratch (our secret and viewer facts, the
 * SDP), so client-sent `x-edgeshield-*` headers never pass; its answer is copied through an allowlist
 * with `Location` made edge-relative and `Link` ICE servers replaced, so no internal address leaks.
 *
 * Server choice: rendezvous on the stream name over RTC_URLS (a stream's publisher and viewers meet on
 * one server). Every method tries them in that order, moving on when one is unreachable, times out,
 * redirects, refuses our secret or answers 5xx (but 503 RTC_ERR_STREAM_FULL is an answer). PATCH/DELETE
 * also move on at 404 RTC_ERR_SESSION_NOT_FOUND, reaching a session an earlier POST failover placed
 * further down the order; that 404 is the answer only if every server was asked.
 */
import type { Context } from 'hono';
import { rendezvousOrder } from '../../core/cache/rendezvous.ts';
import { hashViewer, type Sha256 } from '../../core/ledger/viewer-hash.ts';
import {
  parseRtcPath,
  RTC_AUTH_HEADER,
  RTC_VIEWER_HEADER,
  type RtcPath,
  type RtcViewer,
  rtcViewerHeader,
} from '../../core/webrtc/contract.ts';
import { edgeSessionPath, iceServerLinks, publishAllowed } from '../../core/webrtc/edge-rules.ts';
import type { RtcConfig } from '../config-rtc.ts';
import type { EdgeHonoEnv } from '../context.ts';
import { EdgeError } from '../errors.ts';
import { networkOf } from '../middleware/egress.ts';
import { readCapped } from '../read-capped.ts';

export interface RtcRouteDeps {
  readonly config: RtcConfig;
  readonly fetch: typeof fetch;
  readonly sha256: Sha256;
  readonly viewerSalt: string;
}

/** Offers and candidates are a few KiB; anything this large is not signalling. */
export const RTC_MAX_BODY_BYTES = 64 * 1024;
const BODY_TYPES: Readonly<Record<string, string>> = {
  POST: 'application/sdp',
  PATCH: 'application/trickle-ice-sdpfrag',
};
/** Media server headers a client may see; everything else (Link, Server, Set-Cookie…) stays behind. */
const PASSED = ['content-type', 'etag', 'accept-patch', 'retry-after'];

interface Answer {
  readonly base: string;
  readonly res: Response;
  readonly bytes: ArrayBuffer;
}

/** @example app.on(['POST', 'PATCH', 'DELETE'], '*', rtcRoute({ config: config.rtc, fetch, sha256, viewerSalt })) */
export function rtcRoute(deps: RtcRouteDeps) {
  return async function rtcSignalling(c: Context<EdgeHonoEnv>): Promise<Response> {
    const path = c.var.path;
    const rtc = parseRtcPath(path);
    if (rtc === undefined) throw new EdgeError('EDGE_ERR_NOT_FOUND', `no WHIP/WHEP resource ${path}`);
    const viewer = c.var.viewer;
    // No viewer means AUTH_MODE=off: publishing stays closed unless the operator opened it.
    if (rtc.kind === 'whip' && !viewer && !deps.config.anonymousPublish)
      throw new EdgeError('EDGE_ERR_RTC_PUBLISH_FORBIDDEN', 'no token, and RTC_ANONYMOUS_PUBLISH is off');
    if (rtc.kind === 'whip' && viewer && !publishAllowed(viewer.acl, path)) {
      console.warn(
        JSON.stringify({
          level: 'warn',
          event: 'token-refused',
          code: 'EDGE_ERR_TOKEN_INVALID',
          reason: 'publish',
          path,
        }),
      );
      throw new EdgeError('EDGE_ERR_TOKEN_INVALID', 'token does not allow publishing');
    }
    const method = c.req.method;
    const headers: Record<string, string> = {};
    const type = BODY_TYPES[method];
    let body: ArrayBuffer | undefined;
    if (type !== undefined) {
      if ((c.req.header('content-type') ?? '').split(';')[0]?.trim().toLowerCase() !== type)
        throw new EdgeError('EDGE_ERR_RTC_UNSUPPORTED_MEDIA_TYPE', `${method} needs ${type}`);
      body = await readCapped(
        c.req.raw,
        RTC_MAX_BODY_BYTES,
        () => new EdgeError('EDGE_ERR_RTC_BODY_TOO_LARGE', 'signalling body too large'),
      );
      headers['content-type'] = type;
    }
    const ifMatch = c.req.header('if-match');
    if (ifMatch !== undefined) headers['if-match'] = ifMatch;
    if (deps.config.secret !== undefined) headers[RTC_AUTH_HEADER] = deps.config.secret;
    // Header values are bytes: escape non-ASCII (an asOrganization like "中国电信") so JSON.parse restores it.
    headers[RTC_VIEWER_HEADER] = rtcViewerHeader(await viewerFacts(c, deps)).replace(
      /[\u007f-\uffff]/g,
      (ch) => `\\u${ch.charCodeAt(0).toString(16).padStart(4, '0')}`,
    );
    const got = await forward(deps, rtc, path, { method, headers, ...(body ? { body } : {}) });
    return answer(deps, rtc, got);
  };
}

async function forward(deps: RtcRouteDeps, rtc: RtcPath, path: string, init: RequestInit): Promise<Answer> {
  let failure: EdgeError | undefined;
  let notFound: Answer | undefined;
  for (const base of rendezvousOrder(rtc.stream, deps.config.urls)) {
    const signal = AbortSignal.timeout(deps.config.timeoutMs);
    try {
      const res = await deps.fetch(`${base}${path}`, { ...init, signal, redirect: 'manual' });
      const bytes = await res.arrayBuffer();
      const code = res.status >= 400 ? codeOf(bytes) : undefined;
      if (rtc.session && res.status === 404 && code === 'RTC_ERR_SESSION_NOT_FOUND') {
        notFound ??= { base, res, bytes };
        continue;
      }
      const refused = res.status === 401 || res.status === 403;
      if (
        res.status < 300 ||
        (res.status >= 400 && res.status < 500 && !refused) ||
        code === 'RTC_ERR_STREAM_FULL'
      )
        return { base, res, bytes };
      // A 401/403 is about the edge's secret, not the viewer: no viewer can fix it, so never pass it on.
      failure = new EdgeError(
        'EDGE_ERR_RTC_UNREACHABLE',
        `media server ${base} answered ${res.status}${refused ? ': check RTC_SHARED_SECRET' : ''}`,
      );
    } catch (cause) {
      failure = signal.aborted
        ? new EdgeError(
            'EDGE_ERR_RTC_TIMEOUT',
            `media server ${base}: no answer in ${deps.config.timeoutMs} ms`,
          )
        : new EdgeError('EDGE_ERR_RTC_UNREACHABLE', `media server ${base} unreachable`, { cause });
    }
    console.warn(
      JSON.stringify({ level: 'warn', event: 'rtc-attempt-failed', server: base, reason: failure.message }),
    );
  }
  if (notFound && !failure) return notFound;
  throw failure ?? new EdgeError('EDGE_ERR_RTC_UNREACHABLE', 'no media server answered');
}

/** The client's copy of a media server answer: allowlisted headers, edge Location, our ICE servers. */
function answer(deps: RtcRouteDeps, rtc: RtcPath, got: Answer): Response {
  const { res, base } = got;
  const headers = new Headers({ 'cache-control': 'no-store' });
  for (const name of PASSED) {
    const value = res.headers.get(name);
    if (value !== null) headers.set(name, value);
  }
  const created = res.status === 201;
  // Only a created session has a Location (RFC 9725 §4.2); any other one is dropped, never passed on.
  if (created) {
    const location = res.headers.get('location');
    const edgePath = location === null || rtc.session ? undefined : edgeSessionPath(location, base, rtc);
    if (edgePath === undefined)
      throw new EdgeError(
        'EDGE_ERR_RTC_BAD_RESPONSE',
        `media server ${base}: Location ${location} is no session of ${rtc.kind}/${rtc.stream}`,
      );
    headers.set('location', edgePath);
  }
  // RFC 9725 §4.4: ICE servers travel as Link rel="ice-server" on the 201; the media server's are internal.
  if (created) for (const link of iceServerLinks(deps.config.iceServers)) headers.append('link', link);
  const empty = res.status === 204 || got.bytes.byteLength === 0;
  return new Response(empty ? null : got.bytes, { status: res.status, headers });
}

async function viewerFacts(c: Context<EdgeHonoEnv>, deps: RtcRouteDeps): Promise<RtcViewer> {
  const { geo, viewer } = c.var;
  const tenant = c.var.control?.ownerOf(c.var.path);
  return {
    ...(geo?.country ? { country: geo.country } : {}),
    ...(geo?.region ? { region: geo.region } : {}),
    ...(geo?.colo ? { colo: geo.colo } : {}),
    ...(viewer?.sub !== undefined
      ? { viewer: await hashViewer(viewer.sub, deps.sha256, deps.viewerSalt) }
      : {}),
    ...(viewer?.sid !== undefined ? { sessionId: viewer.sid } : {}),
    ...(tenant !== undefined ? { tenant } : {}),
    ...networkOf(c.req.raw),
  };
}

/** The `code` of a JSON error body, if it has one. */
function codeOf(bytes: ArrayBuffer): string | undefined {
  try {
    const code: unknown = JSON.parse(new TextDecoder().decode(bytes)).code;
    return typeof code === 'string' ? code : undefined;
  } catch {
    return undefined;
  }
}
