/**
 * Manifest rewriting configuration (issue 4): MANIFEST_* vars → a validated, frozen ManifestConfig.
 * Called from parseEdgeConfig only. Never throws; every problem names its key (with the JSON path
 * inside MANIFEST_POLICIES), what was expected and what was found.
 */
import { type ConfigIssue, type IssueSink, shown } from '../core/config/issue.ts';
import { readOneOf } from '../core/config/read.ts';
import { CONTINENTS } from '../core/hls/continents.ts';
import type { PolicyTable, RegionPolicy } from '../core/hls/policy.ts';

export interface ManifestEnv {
  /** JSON: { regions?, countries?, continents?, default? } of region policies. Default: none. */
  readonly MANIFEST_POLICIES?: string;
  /** `same-as-request` (default) | `define-queryparam`. */
  readonly MANIFEST_TOKEN_MODE?: string;
  /** `all` (default) | `playlists-and-keys` (segments and parts go out tokenless). */
  readonly MANIFEST_TOKEN_SCOPE?: string;
  /** `passthrough` (default) | `reject` (502 EDGE_ERR_BAD_PLAYLIST). */
  readonly MANIFEST_ON_PARSE_ERROR?: string;
}

export interface ManifestConfig {
  readonly policies: PolicyTable;
  readonly tokenMode: 'same-as-request' | 'define-queryparam';
  readonly tokenScope: 'all' | 'playlists-and-keys';
  readonly onParseError: 'passthrough' | 'reject';
}

export type ManifestConfigIssue = ConfigIssue<keyof ManifestEnv | `MANIFEST_POLICIES.${string}`>;

export const MANIFEST_DEFAULTS = {
  MANIFEST_TOKEN_MODE: 'same-as-request',
  MANIFEST_TOKEN_SCOPE: 'all',
  MANIFEST_ON_PARSE_ERROR: 'passthrough',
} as const;

/** @example parseManifestConfig({ MANIFEST_POLICIES: '{"countries":{"IN":{"maxHeight":540}}}' }, issues) */
export function parseManifestConfig(env: ManifestEnv, issues: Sink): ManifestConfig {
  const tokenMode = oneOf(
    env,
    'MANIFEST_TOKEN_MODE',
    ['same-as-request', 'define-queryparam'] as const,
    issues,
  );
  const tokenScope = oneOf(env, 'MANIFEST_TOKEN_SCOPE', ['all', 'playlists-and-keys'] as const, issues);
  const onParseError = oneOf(env, 'MANIFEST_ON_PARSE_ERROR', ['passthrough', 'reject'] as const, issues);
  const policies = parsePolicies(env.MANIFEST_POLICIES, issues);
  return Object.freeze({ policies, tokenMode, tokenScope, onParseError });
}

type Sink = IssueSink<ManifestConfigIssue['key']>;

function oneOf<K extends keyof typeof MANIFEST_DEFAULTS, V extends string>(
  env: ManifestEnv,
  key: K,
  allowed: readonly [V, ...V[]],
  issues: Sink,
): V {
  return readOneOf(env[key] ?? MANIFEST_DEFAULTS[key], { key, allowed }, issues);
}

const TABLE_KEYS = {
  regions: /^[A-Z]{2}-[A-Z0-9]{1,3}$/,
  countries: /^[A-Z][A-Z0-9]$/,
  continents: new RegExp(`^(${CONTINENTS.join('|')})$`),
} as const;

function parsePolicies(text: string | undefined, issues: Sink): PolicyTable {
  if (text === undefined || text.trim() === '') return {};
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    issues.push({ key: 'MANIFEST_POLICIES', expected: 'JSON', got: 'text that is not JSON' });
    return {};
  }
  if (!isRecord(json)) {
    issues.push({ key: 'MANIFEST_POLICIES', expected: 'a JSON object', got: kindOf(json) });
    return {};
  }
  const table: { -readonly [K in keyof PolicyTable]: PolicyTable[K] } = {};
  for (const [field, value] of Object.entries(json)) {
    if (field === 'default') {
      table.default = parsePolicy(value, 'default', issues);
      continue;
    }
    if (field !== 'regions' && field !== 'countries' && field !== 'continents') {
      issues.push({
        key: `MANIFEST_POLICIES.${field}`,
        expected: 'one of regions, countries, continents, default',
        got: 'an unknown field',
      });
      continue;
    }
    if (!isRecord(value)) {
      issues.push({ key: `MANIFEST_POLICIES.${field}`, expected: 'an object', got: kindOf(value) });
      continue;
    }
    const out: Record<string, RegionPolicy> = {};
    for (const [k, p] of Object.entries(value)) {
      if (!TABLE_KEYS[field].test(k)) {
        const what =
          field === 'regions'
            ? 'ISO 3166-2 like "US-CA"'
            : field === 'countries'
              ? 'ISO 3166-1 alpha-2'
              : CONTINENTS.join('|');
        issues.push({
          key: `MANIFEST_POLICIES.${field}`,
          expected: `keys ${what} in upper case`,
          got: shown(k),
        });
        continue;
      }
      out[k] = parsePolicy(p, `${field}.${k}`, issues);
    }
    table[field] = Object.freeze(out);
  }
  return Object.freeze(table);
}

function parsePolicy(value: unknown, path: string, issues: Sink): RegionPolicy {
  const key = `MANIFEST_POLICIES.${path}` as const;
  if (!isRecord(value)) {
    issues.push({ key, expected: 'a policy object', got: kindOf(value) });
    return {};
  }
  const p: { -readonly [K in keyof RegionPolicy]: RegionPolicy[K] } = {};
  for (const [field, v] of Object.entries(value)) {
    const at = `${key}.${field}` as const;
    switch (field) {
      case 'origin': {
        const url = typeof v === 'string' && URL.canParse(v) ? new URL(v) : undefined;
        if (!url || !/^https?:$/.test(url.protocol) || url.pathname !== '/' || url.search || url.username) {
          issues.push({
            key: at,
            expected: 'an http(s) origin like "https://eu.edge.example"',
            got: shown(v),
          });
        } else p.origin = url.origin;
        break;
      }
      case 'originScope':
        if (v === 'all' || v === 'media') p.originScope = v;
        else issues.push({ key: at, expected: '"all" or "media"', got: shown(v) });
        break;
      case 'maxHeight':
      case 'maxBandwidth':
        if (typeof v === 'number' && Number.isSafeInteger(v) && v > 0) p[field] = v;
        else issues.push({ key: at, expected: 'a positive integer', got: shown(v) });
        break;
      case 'dropCodecs':
      case 'dropLanguages':
        if (Array.isArray(v) && v.every((s) => typeof s === 'string' && /^[A-Za-z0-9.-]+$/.test(s))) {
          p[field] = Object.freeze(v.map(String));
        } else issues.push({ key: at, expected: 'a list of codec or language tags', got: shown(v) });
        break;
      default:
        issues.push({
          key: at,
          expected: 'origin, originScope, maxHeight, maxBandwidth, dropCodecs or dropLanguages',
          got: 'an unknown field',
        });
    }
  }
  return Object.freeze(p);
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function kindOf(v: unknown): string {
  return Array.isArray(v) ? 'an array' : v === null ? 'null' : `a ${typeof v}`;
}
