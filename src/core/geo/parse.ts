/**
 * GEO_RULES parsing: JSON text → validated rules, or issues naming the exact element
 * (`GEO_RULES[2].deny.countries[0]: expected ISO 3166-1 alpha-2, got "UK"`). Pure; never throws.
 *
 * Shape: `[{ "prefix": "/vod/", "allow"?: { "countries"?: ["DE"], "regions"?: ["US-CA"] },
 *            "deny"?: {…}, "unknown"?: "allow"|"deny", "tor"?: "allow"|"deny",
 *            "status"?: 403|451, "blockedBy"?: "https://…" }]`
 */
import { isIsoCountry, isIsoSubdivision } from './countries.ts';
import type { GeoLists, GeoPolicy, GeoRule } from './rules.ts';

export interface GeoRuleIssue {
  /** Where in the JSON: '' for the whole value, else `[2].deny.countries[0]`; callers prefix the key name. */
  readonly at: '' | `[${number}]${string}`;
  readonly expected: string;
  readonly found: string;
}

const RULE_KEYS = new Set(['prefix', 'allow', 'deny', 'unknown', 'tor', 'status', 'blockedBy']);

/** @example parseGeoRules('[{"prefix":"/","deny":{"countries":["UK"]}}]').issues[0].at // '[0].deny.countries[0]' */
export function parseGeoRules(text: string): { rules: readonly GeoRule[]; issues: readonly GeoRuleIssue[] } {
  const issues: GeoRuleIssue[] = [];
  const found = (v: unknown) => (JSON.stringify(v) ?? String(v)).slice(0, 80);
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    return { rules: [], issues: [{ at: '', expected: 'a JSON array of rules', found: found(text) }] };
  }
  if (!Array.isArray(parsed))
    return { rules: [], issues: [{ at: '', expected: 'a JSON array', found: found(parsed) }] };
  const rules: GeoRule[] = [];
  for (const [i, raw] of parsed.entries()) {
    const at = `[${i}]` as const;
    if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
      issues.push({ at: at, expected: 'an object', found: found(raw) });
      continue;
    }
    const r = raw as Record<string, unknown>;
    for (const k of Object.keys(r)) {
      if (!RULE_KEYS.has(k))
        issues.push({
          at: `${at}.${k}`,
          expected: `one of ${[...RULE_KEYS].join(', ')}`,
          found: 'an unknown key',
        });
    }
    if (typeof r.prefix !== 'string' || !r.prefix.startsWith('/'))
      issues.push({ at: `${at}.prefix`, expected: 'a path prefix starting with /', found: found(r.prefix) });
    const lists = (name: 'allow' | 'deny'): GeoLists | undefined => {
      const v = r[name];
      if (v === undefined) return undefined;
      if (typeof v !== 'object' || v === null || Array.isArray(v)) {
        issues.push({ at: `${at}.${name}`, expected: '{ countries?, regions? }', found: found(v) });
        return undefined;
      }
      const o = v as Record<string, unknown>;
      const list = (field: 'countries' | 'regions', valid: (c: string) => boolean, what: string) => {
        const l = o[field];
        if (l === undefined) return undefined;
        if (!Array.isArray(l)) {
          issues.push({ at: `${at}.${name}.${field}`, expected: `a list of ${what}`, found: found(l) });
          return undefined;
        }
        for (const [j, c] of l.entries()) {
          if (typeof c !== 'string' || !valid(c))
            issues.push({ at: `${at}.${name}.${field}[${j}]`, expected: what, found: found(c) });
        }
        return l as string[];
      };
      const countries = list('countries', isIsoCountry, 'ISO 3166-1 alpha-2');
      const regions = list('regions', isIsoSubdivision, 'ISO 3166-2 (e.g. US-CA)');
      return { ...(countries ? { countries } : {}), ...(regions ? { regions } : {}) };
    };
    const policy = (name: 'unknown' | 'tor'): GeoPolicy => {
      const v = r[name];
      if (v === undefined || v === 'deny') return 'deny';
      if (v === 'allow') return 'allow';
      issues.push({ at: `${at}.${name}`, expected: '"allow" or "deny"', found: found(v) });
      return 'deny';
    };
    const status = r.status === undefined ? 403 : r.status;
    if (status !== 403 && status !== 451)
      issues.push({ at: `${at}.status`, expected: '403 or 451', found: found(status) });
    const blockedBy = r.blockedBy;
    if (
      blockedBy !== undefined &&
      (typeof blockedBy !== 'string' || !/^https?:\/\/[^\s<>"]+$/.test(blockedBy))
    )
      issues.push({ at: `${at}.blockedBy`, expected: 'an absolute http(s) URL', found: found(blockedBy) });
    const allow = lists('allow');
    const deny = lists('deny');
    rules.push({
      prefix: typeof r.prefix === 'string' ? r.prefix : '/',
      ...(allow ? { allow } : {}),
      ...(deny ? { deny } : {}),
      unknown: policy('unknown'),
      tor: policy('tor'),
      status: status === 451 ? 451 : 403,
      ...(typeof blockedBy === 'string' ? { blockedBy } : {}),
    });
  }
  return { rules, issues };
}
