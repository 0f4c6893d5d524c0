/**
 * Geo configuration (issue 3): GEO_RULES JSON → validated rules (src/core/geo/parse.ts). Called from
 * parseEdgeConfig only. Any issue fails the whole config closed (500 EDGE_ERR_CONFIG), because a
 * half-applied geo policy is worse than none.
 */
import { readOnOff } from '../core/config/read.ts';
import { parseGeoRules } from '../core/geo/parse.ts';
import type { GeoRule } from '../core/geo/rules.ts';
import type { IssueSink } from './config-auth.ts';

export interface GeoEnv {
  /** JSON list of rules per path prefix; see src/core/geo/parse.ts. Default: no rules. */
  readonly GEO_RULES?: string;
  /**
   * DEV ONLY, never in production: `on` makes the viewer's `CF-IPCountry` request header win over
   * request.cf.country, so a local bench can simulate many countries through one `wrangler dev`
   * (which fills request.cf from one cf.json). Trusts the client, so it is honoured only when the
   * request URL's hostname is loopback (127.0.0.0/8, [::1], localhost); elsewhere it is ignored and
   * logged once (middleware/viewer-geo.ts createClientHeaderGeo). Default `off`.
   */
  readonly DEV_TRUST_CLIENT_COUNTRY?: string;
}

export interface GeoConfig {
  readonly rules: readonly GeoRule[];
  /**
   * DEV_TRUST_CLIENT_COUNTRY=on: the client's CF-IPCountry header decides the country, on loopback
   * request hostnames only.
   */
  readonly trustClientCountry: boolean;
}

/** @example parseGeoConfig({ GEO_RULES: '[{"prefix":"/","deny":{"countries":["FR"]}}]' }, issues) */
export function parseGeoConfig(env: GeoEnv, issues: IssueSink): GeoConfig {
  const trustClientCountry = readOnOff(
    env.DEV_TRUST_CLIENT_COUNTRY ?? 'off',
    'DEV_TRUST_CLIENT_COUNTRY',
    issues,
  );
  if (env.GEO_RULES === undefined || env.GEO_RULES.trim() === '') return { rules: [], trustClientCountry };
  const parsed = parseGeoRules(env.GEO_RULES);
  for (const i of parsed.issues) issues.push({ key: `GEO_RULES${i.at}`, expected: i.expected, got: i.found });
  return { rules: parsed.rules, trustClientCountry };
}
