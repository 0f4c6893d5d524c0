/**
 * Control-plane configuration (issue 15): the bootstrap admin key, the API rate limit and how stale
 * the per-isolate copy of the store may get. Called from parseEdgeConfig only; never throws, every
 * problem names its key. The store itself is the CONTROL D1 binding (index.ts), not a var.
 */
import type { IssueSink } from '../../core/config/issue.ts';
import { readInteger } from '../../core/config/read.ts';
import { checkSecret } from '../config-secret.ts';

export interface ControlEnv {
  /** Secret: the bootstrap key holding every scope on every tenant. Unset: API keys only. */
  readonly ADMIN_API_KEY?: string;
  /** Operator API requests per minute per key (also the burst), per isolate. Default 600. */
  readonly API_RATE_PER_MINUTE?: string;
  /** Seconds the viewer path may use a loaded copy of tenant keys, rules and revocations (1-30). Default 30. */
  readonly CONTROL_CACHE_TTL_S?: string;
  /** Secret: seals private signing keys in the store (AES-256-GCM). Unset: stored as plain JWKs. */
  readonly CONTROL_KEY_SECRET?: string;
}

export interface ControlConfig {
  readonly adminApiKey: string | undefined;
  readonly ratePerMinute: number;
  readonly cacheTtlS: number;
  readonly keySecret: string | undefined;
}

export const CONTROL_DEFAULTS = { API_RATE_PER_MINUTE: '600', CONTROL_CACHE_TTL_S: '30' } as const;

/** Shortest admin key and key secret: each guards everything, so it must not be guessable. */
const MIN_ADMIN_KEY_LENGTH = 32;

/** @example parseControlConfig({ CONTROL_CACHE_TTL_S: '5' }, issues).cacheTtlS // 5 */
export function parseControlConfig(env: ControlEnv, issues: IssueSink<keyof ControlEnv>): ControlConfig {
  const admin = env.ADMIN_API_KEY;
  // Sent as a Bearer header value, and it guards everything: header-safe and not guessable.
  checkSecret('ADMIN_API_KEY', admin, MIN_ADMIN_KEY_LENGTH, issues);
  const keySecret = env.CONTROL_KEY_SECRET;
  if (keySecret !== undefined && keySecret !== '' && keySecret.length < MIN_ADMIN_KEY_LENGTH)
    // Never echo the secret itself into logs.
    issues.push({
      key: 'CONTROL_KEY_SECRET',
      expected: `at least ${MIN_ADMIN_KEY_LENGTH} characters`,
      got: `a ${keySecret.length}-character value`,
    });
  return Object.freeze({
    adminApiKey: admin === undefined || admin === '' ? undefined : admin,
    keySecret: keySecret === undefined || keySecret === '' ? undefined : keySecret,
    ratePerMinute: readInteger(
      env.API_RATE_PER_MINUTE ?? CONTROL_DEFAULTS.API_RATE_PER_MINUTE,
      { key: 'API_RATE_PER_MINUTE', min: 1, max: 1_000_000, unit: 'requests per minute' },
      issues,
    ),
    // ≤ 30 s is the documented bound for config and revocations (issue 15); more would break it.
    cacheTtlS: readInteger(
      env.CONTROL_CACHE_TTL_S ?? CONTROL_DEFAULTS.CONTROL_CACHE_TTL_S,
      { key: 'CONTROL_CACHE_TTL_S', min: 1, max: 30, unit: 'seconds' },
      issues,
    ),
  });
}
