/**
 * Claim checks shared by every token format, and the JSON-payload → Claims mapping. Pure: no I/O,
 * the clock comes in as `request.now`.
 *
 * DESIGN.md "Tokens": exp/nbf/iat with bounded skew, acl against the normalised path, ip against the
 * connecting address. A token without `exp` is refused: a URL that never expires is a leaked URL.
 */
import { err, ok, type Result } from '../result.ts';
import { aclAllows } from './acl.ts';
import { ipInRange } from './ip.ts';
import type { Claims, GeoClaim, TokenFailure, TokenRequest } from './types.ts';

/** Default allowed clock difference between signer and edge, seconds. */
export const DEFAULT_CLOCK_SKEW_S = 30;

/**
 * Applies the common rules. `exp` is exclusive (RFC 7519 §4.1.4: "on or after … MUST NOT be
 * accepted"), extended by the skew: with skew 30 a token is still valid at exp + 29, not at exp + 30.
 *
 * @example checkClaims({ exp: 100 }, { path: '/a', url: '', clientIp: undefined, now: 129 }, 30).ok // true
 */
export function checkClaims(
  claims: Claims,
  request: TokenRequest,
  skewS: number = DEFAULT_CLOCK_SKEW_S,
): Result<Claims, TokenFailure> {
  const now = request.now;
  if (claims.exp === undefined) return err({ reason: 'missing-exp' });
  if (now >= claims.exp + skewS) return err({ reason: 'expired', exp: claims.exp, now });
  if (claims.nbf !== undefined && now < claims.nbf - skewS)
    return err({ reason: 'not-yet-valid', nbf: claims.nbf, now });
  if (claims.iat !== undefined && now < claims.iat - skewS)
    return err({ reason: 'issued-in-future', iat: claims.iat, now });
  if (claims.acl !== undefined && !aclAllows(claims.acl, request.path))
    return err({ reason: 'acl', path: request.path });
  if (claims.ip !== undefined) {
    if (request.clientIp === undefined || !ipInRange(request.clientIp, claims.ip))
      return err({ reason: 'ip', clientIp: request.clientIp });
  }
  return ok(claims);
}

const COUNTRY = /^[A-Z]{2}$/;

/**
 * Maps a decoded JSON payload (JWT) onto Claims. Wrong types are malformed (never coerced); unknown
 * claims are ignored. `acl` may be a string or a string array.
 */
export function claimsFromJson(payload: unknown): Result<Claims, TokenFailure> {
  if (typeof payload !== 'object' || payload === null || Array.isArray(payload))
    return err({ reason: 'malformed', detail: 'payload is not an object' });
  const p = payload as Record<string, unknown>;
  const out: { -readonly [K in keyof Claims]: Claims[K] } = {};
  for (const name of ['exp', 'nbf', 'iat'] as const) {
    const v = p[name];
    if (v === undefined) continue;
    if (typeof v !== 'number' || !Number.isFinite(v))
      return err({ reason: 'malformed', detail: `${name} is not a number` });
    out[name] = v;
  }
  for (const name of ['sub', 'sid', 'ip'] as const) {
    const v = p[name];
    if (v === undefined) continue;
    if (typeof v !== 'string') return err({ reason: 'malformed', detail: `${name} is not a string` });
    out[name] = v;
  }
  if (p.acl !== undefined) {
    const acl = typeof p.acl === 'string' ? [p.acl] : p.acl;
    if (!Array.isArray(acl) || !acl.every((a) => typeof a === 'string'))
      return err({ reason: 'malformed', detail: 'acl is not a string list' });
    out.acl = acl as string[];
  }
  if (p.geo !== undefined) {
    const geo = geoClaimFrom(p.geo);
    if (!geo) return err({ reason: 'malformed', detail: 'geo is not { allow?, deny? } country lists' });
    out.geo = geo;
  }
  return ok(out);
}

function geoClaimFrom(value: unknown): GeoClaim | undefined {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return undefined;
  const v = value as Record<string, unknown>;
  const list = (x: unknown): string[] | undefined =>
    Array.isArray(x) && x.every((c) => typeof c === 'string' && COUNTRY.test(c))
      ? (x as string[])
      : undefined;
  const allow = v.allow === undefined ? undefined : list(v.allow);
  const deny = v.deny === undefined ? undefined : list(v.deny);
  if ((v.allow !== undefined && !allow) || (v.deny !== undefined && !deny)) return undefined;
  return { ...(allow ? { allow } : {}), ...(deny ? { deny } : {}) };
}
