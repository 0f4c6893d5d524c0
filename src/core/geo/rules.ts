/**
 * Geo rules: may a viewer in this country/region have this path. Pure: no I/O.
 *
 * DESIGN.md "Geo": allow/deny per path prefix (the longest matching prefix is the rule), plus the
 * token's own `geo` claim; both must pass. Unknown (`XX`, or no country at all) and Tor (`T1`) have an
 * explicit per-rule policy, default deny. Decided per request, before any cache lookup, so a cached
 * object never carries one viewer's geo answer to another.
 */
import type { GeoClaim } from '../auth/types.ts';

export type GeoPolicy = 'allow' | 'deny';

export interface GeoLists {
  /** ISO 3166-1 alpha-2. */
  readonly countries?: readonly string[];
  /** ISO 3166-2 (`US-CA`). */
  readonly regions?: readonly string[];
}

export interface GeoRule {
  readonly prefix: string;
  readonly allow?: GeoLists;
  readonly deny?: GeoLists;
  /** Viewers whose country is unknown (`XX` or absent). Default deny. */
  readonly unknown: GeoPolicy;
  /** Viewers arriving over Tor (`T1`). Default deny. */
  readonly tor: GeoPolicy;
  /** 403 (default) or 451 (RFC 7725) with `Link: <blockedBy>; rel="blocked-by"`. */
  readonly status: 403 | 451;
  readonly blockedBy?: string;
}

export interface ViewerLocation {
  readonly country: string;
  /** Subdivision without the country prefix (`CA`), as request.cf.regionCode gives it. */
  readonly region?: string;
}

export type GeoDecision =
  | { readonly allowed: true }
  | {
      readonly allowed: false;
      readonly reason: 'rule-deny' | 'rule-not-allowed' | 'unknown-country' | 'tor' | 'token-geo';
      readonly country: string;
      readonly status: 403 | 451;
      readonly blockedBy?: string;
    };

/** The most specific rule for a path (longest prefix), if any. */
export function ruleFor(rules: readonly GeoRule[], path: string): GeoRule | undefined {
  let best: GeoRule | undefined;
  for (const r of rules) {
    if (path.startsWith(r.prefix) && (!best || r.prefix.length > best.prefix.length)) best = r;
  }
  return best;
}

/**
 * @example decideGeo([{ prefix: '/', deny: { countries: ['FR'] }, unknown: 'deny', tor: 'deny', status: 451 }], '/a.ts', { country: 'FR' })
 *   // { allowed: false, reason: 'rule-deny', status: 451, … }
 */
export function decideGeo(
  rules: readonly GeoRule[],
  path: string,
  location: ViewerLocation | undefined,
  claim?: GeoClaim,
): GeoDecision {
  const rule = ruleFor(rules, path);
  const country = location?.country ?? 'XX';
  const region = location?.region === undefined ? undefined : `${country}-${location.region}`;
  const blocked = (reason: Extract<GeoDecision, { allowed: false }>['reason']): GeoDecision => ({
    allowed: false,
    reason,
    country,
    status: rule?.status ?? 403,
    ...(rule?.blockedBy !== undefined ? { blockedBy: rule.blockedBy } : {}),
  });
  if (rule) {
    if (country === 'XX') {
      if (rule.unknown === 'deny') return blocked('unknown-country');
    } else if (country === 'T1') {
      if (rule.tor === 'deny') return blocked('tor');
    } else {
      const inList = (l: GeoLists | undefined) =>
        (l?.countries?.includes(country) ?? false) ||
        (region !== undefined && (l?.regions?.includes(region) ?? false));
      if (inList(rule.deny)) return blocked('rule-deny');
      if (rule.allow && !inList(rule.allow)) return blocked('rule-not-allowed');
    }
  }
  if (claim) {
    if (claim.deny?.includes(country)) return blocked('token-geo');
    if (claim.allow && !claim.allow.includes(country)) return blocked('token-geo');
  }
  return { allowed: true };
}
