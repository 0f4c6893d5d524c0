/**
 * What the edge decides about WHIP/WHEP signalling (issue 16), beside the shared contract
 * (contract.ts): who may publish, which media server `Location` is acceptable and what ICE servers
 * the viewer is told about. Pure: no I/O.
 */
import { aclAllows } from '../auth/acl.ts';
import { parseRtcPath, type RtcPath, rtcSessionPath } from './contract.ts';

/** Both signalling prefixes; POST/PATCH/DELETE under them that parseRtcPath refuses are 404. */
export const isRtcPrefix = (path: string): boolean => /^\/wh[ei]p\//.test(path);

/**
 * WHIP publishes, so a token opens it only through an `acl` entry written for `/whip/…` that covers
 * the path: a viewer's `/whep/live` or a catch-all `*` or `/` grants no publishing.
 *
 * @example publishAllowed(['/whip/live'], '/whip/live') // true; publishAllowed(['*'], '/whip/live') // false
 */
export function publishAllowed(acl: readonly string[] | undefined, path: string): boolean {
  return (acl ?? []).some((entry) => entry.startsWith('/whip/') && aclAllows([entry], path));
}

/**
 * The edge-relative session path for a media server's `Location` (absolute or relative, resolved
 * against the URL the offer went to), or undefined when it is not a session of the same kind and
 * stream. `base` is the media server's base URL (RTC_URLS entry, possibly with a path prefix).
 *
 * @example edgeSessionPath('http://10.0.0.5:8090/whep/live/sessions/AAAAAAAAAAAAAAAAAAAAAA', 'http://10.0.0.5:8090', { kind: 'whep', stream: 'live' })
 *   // '/whep/live/sessions/AAAAAAAAAAAAAAAAAAAAAA'
 */
export function edgeSessionPath(location: string, base: string, offer: RtcPath): string | undefined {
  let url: { pathname: string };
  try {
    url = new URL(location, `${base}/${offer.kind}/${offer.stream}`);
  } catch {
    return undefined;
  }
  const prefix = new URL(base).pathname.replace(/\/$/, '');
  if (!url.pathname.startsWith(`${prefix}/`)) return undefined;
  const path = parseRtcPath(url.pathname.slice(prefix.length));
  if (path?.session === undefined || path.kind !== offer.kind || path.stream !== offer.stream)
    return undefined;
  return rtcSessionPath(path.kind, path.stream, path.session);
}

/** RFC 9725 §4.4 `Link` values for the configured ICE servers (stun:/turn: URLs, checked by config). */
export const iceServerLinks = (servers: readonly string[]): string[] =>
  servers.map((s) => `<${s}>; rel="ice-server"`);

/** A `stun:`/`stuns:`/`turn:`/`turns:` URI (RFC 7064/7065) that is safe inside a Link header. */
export const ICE_SERVER_PATTERN = /^(stuns?|turns?):[A-Za-z0-9.\-:[\]?=&_%]+$/;

// The URL global exists in every runtime we claim; declared structurally (src/core has no DOM types).
declare const URL: new (input: string, base?: string) => { readonly pathname: string };
