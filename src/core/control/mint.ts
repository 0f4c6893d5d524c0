/**
 * What `POST /api/v1/tokens` and `POST /api/v1/sessions` sign: request body → validated JWT claims.
 * Pure: the clock (`nowS`) and the token id (`jti`) come in; no crypto here (the edge signs).
 *
 * Viewer tokens open content; access tokens (`use: "access"`) open nothing at the edge and are only
 * exchanged for short session tokens bound to a fresh `sid`, so a long-lived credential never sits in
 * a playlist URL. Every path and ACL pattern must lie inside the tenant's own prefixes.
 */
import { isIpOrCidr } from '../auth/ip.ts';
import { isIsoCountry } from '../geo/countries.ts';
import { err, ok, type Result } from '../result.ts';
import { insideOwned } from './tenancy.ts';

/** Longest lifetimes, seconds. Retired signing keys should be kept at least ACCESS_MAX_TTL_S. */
export const VIEWER_MAX_TTL_S = 86_400;
export const ACCESS_MAX_TTL_S = 30 * 86_400;
export const SESSION_DEFAULT_TTL_S = 300;

/** The claim that marks an access token; the edge refuses such tokens for content. */
export const ACCESS_USE = 'access';

// A type alias, not an interface: it must fit signJwt's Record<string, unknown>.
export type MintedClaims = {
  readonly iat: number;
  readonly exp: number;
  readonly jti: string;
  readonly acl: readonly string[];
  readonly sub?: string;
  readonly sid?: string;
  /** Session tokens: the `jti` of the access token exchanged, so revoking it stops the session. */
  readonly ajti?: string;
  readonly ip?: string;
  readonly geo?: { readonly allow?: readonly string[]; readonly deny?: readonly string[] };
  readonly use?: typeof ACCESS_USE;
};

export interface MintPlan {
  readonly claims: MintedClaims;
  /** The path the signed URL points at. */
  readonly path: string;
  /** Where the URL carries the token: `?token=` (default) or `/~t/<token>/…`. */
  readonly in: 'query' | 'path';
}

const ID = /^[\x21-\x7e]{1,256}$/;

/**
 * @example planMint({ path: '/t1/vod/master.m3u8', ttl: 600 }, { owned: ['/t1/'], nowS, jti })
 */
export function planMint(
  body: unknown,
  ctx: { readonly owned: readonly string[]; readonly nowS: number; readonly jti: string },
): Result<MintPlan, readonly string[]> {
  const issues: string[] = [];
  if (typeof body !== 'object' || body === null || Array.isArray(body))
    return err(['body: expected a JSON object']);
  const b = body as Record<string, unknown>;
  const use = b.use ?? 'viewer';
  if (use !== 'viewer' && use !== ACCESS_USE) issues.push('use: expected "viewer" or "access"');
  const maxTtl = use === ACCESS_USE ? ACCESS_MAX_TTL_S : VIEWER_MAX_TTL_S;
  const path = b.path;
  if (typeof path !== 'string' || !path.startsWith('/') || path.includes('..') || /[?#]/.test(path))
    issues.push('path: expected an absolute path without query, fragment or dot segments');
  else if (!insideOwned(ctx.owned, path)) issues.push(`path: "${path}" is not under a prefix of this tenant`);
  const ttl = b.ttl;
  if (typeof ttl !== 'number' || !Number.isInteger(ttl) || ttl < 1 || ttl > maxTtl)
    issues.push(`ttl: expected whole seconds 1-${maxTtl}`);
  const dir = typeof path === 'string' ? path.slice(0, path.lastIndexOf('/') + 1) : '/';
  const acl = b.acl === undefined ? [dir] : b.acl;
  if (!Array.isArray(acl) || acl.length === 0 || acl.length > 32)
    issues.push('acl: expected 1-32 path patterns');
  else
    for (const [i, a] of acl.entries()) {
      if (typeof a !== 'string' || !a.startsWith('/') || !insideOwned(ctx.owned, a))
        issues.push(`acl[${i}]: expected a path pattern under a prefix of this tenant`);
    }
  for (const name of ['sub', 'sid'] as const) {
    const v = b[name];
    if (v !== undefined && (typeof v !== 'string' || !ID.test(v)))
      issues.push(`${name}: expected 1-256 visible ASCII characters`);
  }
  if (b.ip !== undefined && (typeof b.ip !== 'string' || !isIpOrCidr(b.ip)))
    issues.push('ip: expected an IPv4/IPv6 address or CIDR');
  const geo = countriesOf(b.countries, issues);
  const where = b.in ?? 'query';
  if (where !== 'query' && where !== 'path') issues.push('in: expected "query" or "path"');
  if (issues.length > 0) return err(issues);
  return ok({
    path: path as string,
    in: where as 'query' | 'path',
    claims: {
      iat: ctx.nowS,
      exp: ctx.nowS + (ttl as number),
      jti: ctx.jti,
      acl: acl as string[],
      ...(typeof b.sub === 'string' ? { sub: b.sub } : {}),
      ...(typeof b.sid === 'string' ? { sid: b.sid } : {}),
      ...(typeof b.ip === 'string' ? { ip: b.ip } : {}),
      ...(geo ? { geo } : {}),
      ...(use === ACCESS_USE ? { use: ACCESS_USE } : {}),
    },
  });
}

/**
 * A session token from a verified access token: same acl, sub, ip and geo, a fresh `sid` and `jti`,
 * the access token's `jti` as `ajti`, and a lifetime that never outlives the access token.
 */
export function planSession(
  access: {
    readonly exp: number;
    readonly jti?: string;
    readonly acl?: readonly string[];
    readonly sub?: string;
    readonly ip?: string;
    readonly geo?: MintedClaims['geo'];
  },
  ctx: { readonly nowS: number; readonly jti: string; readonly sid: string; readonly ttl?: unknown },
): Result<MintedClaims, readonly string[]> {
  const ttl = ctx.ttl ?? SESSION_DEFAULT_TTL_S;
  if (typeof ttl !== 'number' || !Number.isInteger(ttl) || ttl < 1 || ttl > VIEWER_MAX_TTL_S)
    return err([`ttl: expected whole seconds 1-${VIEWER_MAX_TTL_S}`]);
  return ok({
    iat: ctx.nowS,
    exp: Math.min(access.exp, ctx.nowS + ttl),
    jti: ctx.jti,
    sid: ctx.sid,
    ...(access.jti !== undefined ? { ajti: access.jti } : {}),
    acl: access.acl ?? [],
    ...(access.sub !== undefined ? { sub: access.sub } : {}),
    ...(access.ip !== undefined ? { ip: access.ip } : {}),
    ...(access.geo !== undefined ? { geo: access.geo } : {}),
  });
}

function countriesOf(value: unknown, issues: string[]): MintedClaims['geo'] | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    issues.push('countries: expected { allow?, deny? } lists of ISO 3166-1 alpha-2 codes');
    return undefined;
  }
  const out: { allow?: string[]; deny?: string[] } = {};
  for (const [k, list] of Object.entries(value)) {
    if (
      (k !== 'allow' && k !== 'deny') ||
      !Array.isArray(list) ||
      !list.every((c) => typeof c === 'string' && isIsoCountry(c))
    ) {
      issues.push(`countries.${k}: expected allow or deny with ISO 3166-1 alpha-2 codes`);
      continue;
    }
    out[k] = list as string[];
  }
  return out;
}
