/**
 * Edge purge configuration (issue 13): who may call `POST /purge` and how stale an isolate's copy of
 * the purge log may be. The log itself is the PURGE_LOG KV binding, not config (index.ts hands it in).
 * Defaults live here. Never throws: problems are pushed as issues naming key, expectation, found, and
 * never echo a secret.
 */
import { checkSecret } from './config-secret.ts';

export interface PurgeEnv {
  /**
   * Secret: the Bearer credential of `POST /purge`. Unset: the shield secret (SHIELD_SHARED_SECRET)
   * is accepted instead; neither set: purge is unavailable (503).
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

export const PURGE_DEFAULTS = { PURGE_POLL_S: '5' } as const;

interface Issue {
  readonly key: keyof PurgeEnv;
  readonly expected: string;
  readonly found: string;
}

/** @example parsePurgeConfig({ EDGE_PURGE_SECRET: 'x'.repeat(32) }, undefined, issues).secret */
export function parsePurgeConfig(
  env: PurgeEnv,
  shieldSecret: string | undefined,
  issues: { push(issue: Issue): unknown },
): PurgeConfig {
  const own = env.EDGE_PURGE_SECRET;
  checkSecret('EDGE_PURGE_SECRET', own, 16, issues);
  const raw = (env.PURGE_POLL_S ?? PURGE_DEFAULTS.PURGE_POLL_S).trim();
  const seconds = /^\d{1,3}$/.test(raw) ? Number(raw) : Number.NaN;
  if (!(seconds >= 1 && seconds <= 300)) {
    issues.push({
      key: 'PURGE_POLL_S',
      expected: 'an integer number of seconds between 1 and 300',
      found: JSON.stringify(env.PURGE_POLL_S),
    });
  }
  return {
    secret: own !== undefined && own !== '' ? own : shieldSecret,
    pollMs: (Number.isFinite(seconds) ? seconds : 5) * 1000,
  };
}
