/**
 * Edge purge configuration (issue 13): who may call `POST /purge` and how stale an isolate's copy of
 * the purge log may be. The log itself is the PURGE_LOG KV binding, not config (index.ts hands it in).
 * Defaults live here. Never throws: problems are pushed as issues naming key, expectation, what was found, and
 * never echo a secret.
 */
import type { IssueSink } from '../core/config/issue.ts';
import { readInteger } from '../core/config/read.ts';
import { checkSecret } from './config-secret.ts';

export interface PurgeEnv {
  /**
   * Secret: the Bearer credential of `POST /purge`. Unset: the shield secret (SHIELD_SHARED_SECRET)
   * is accepted instead when it has at least PURGE_SECRET_MIN characters; otherwise purge is
   * unavailable (503).
   */
  readonly EDGE_PURGE_SECRET?: string;
  /** Seconds an isolate may use its copy of the purge log before reading KV again (1–300, default 5). */
  readonly PURGE_POLL_S?: string;
}

export interface PurgeConfig {
  /** The Bearer secret `POST /purge` accepts; undefined = purge unavailable. */
  readonly secret: string | undefined;
  readonly pollMs: number;
}

/**
 * Shortest purge credential. The shield secret may legally be 1 character (it only has to match the
 * shield's), so it stands in for the purge secret only when it is this long: a purge empties caches
 * and must not be guessable.
 */
export const PURGE_SECRET_MIN = 16;

export const PURGE_DEFAULTS = { PURGE_POLL_S: '5' } as const;

/** @example parsePurgeConfig({ EDGE_PURGE_SECRET: 'x'.repeat(32) }, undefined, issues).secret */
export function parsePurgeConfig(
  env: PurgeEnv,
  shieldSecret: string | undefined,
  issues: IssueSink<keyof PurgeEnv>,
): PurgeConfig {
  const own = env.EDGE_PURGE_SECRET;
  checkSecret('EDGE_PURGE_SECRET', own, PURGE_SECRET_MIN, issues);
  const seconds = readInteger(
    env.PURGE_POLL_S ?? PURGE_DEFAULTS.PURGE_POLL_S,
    { key: 'PURGE_POLL_S', min: 1, max: 300, unit: 'seconds' },
    issues,
  );
  return {
    secret:
      own !== undefined && own !== ''
        ? own
        : shieldSecret !== undefined && shieldSecret.length >= PURGE_SECRET_MIN
          ? shieldSecret
          : undefined,
    pollMs: seconds * 1000,
  };
}
