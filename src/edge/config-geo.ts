/**
 * Geo configuration (issue 3): GEO_RULES JSON → validated rules (src/core/geo/parse.ts). Called from
 * parseEdgeConfig only. Any issue fails the whole config closed (500 EDGE_ERR_CONFIG), because a
 * half-applied geo policy is worse than none.
 */
import { parseGeoRules } from '../core/geo/parse.ts';
import type { GeoRule } from '../core/geo/rules.ts';
import type { IssueSink } from './config-auth.ts';

export interface GeoEnv {
  /** JSON list of rules per path prefix; see src/core/geo/parse.ts. Default: no rules. */
  readonly GEO_RULES?: string;
}

export interface GeoConfig {
  readonly rules: readonly GeoRule[];
}

/** @example parseGeoConfig({ GEO_RULES: '[{"prefix":"/","deny":{"countries":["FR"]}}]' }, issues) */
export function parseGeoConfig(env: GeoEnv, issues: IssueSink): GeoConfig {
  if (env.GEO_RULES === undefined || env.GEO_RULES.trim() === '') return { rules: [] };
  const parsed = parseGeoRules(env.GEO_RULES);
  for (const i of parsed.issues)
    issues.push({ key: `GEO_RULES${i.at}`, expected: i.expected, found: i.found });
  return { rules: parsed.rules };
}
