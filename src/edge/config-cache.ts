/**
 * Cache, TTL, shield-health and compression settings of the edge (issue 5), parsed from `env` by
 * parseEdgeConfig (config.ts includes this module). Defaults live here and nowhere else. Never
 * throws: each problem is an issue naming the key, the expectation and what was found.
 */
import { isKeyableParam } from '../core/cache/key.ts';
import { DEFAULT_TTL_CONFIG, type TtlConfig } from '../core/cache/ttl-policy.ts';
import { type ConfigIssue, shown } from '../core/config/issue.ts';
import { readList, readOnOff } from '../core/config/read.ts';

/** The string bindings this module reads (wrangler.toml [vars]). */
export interface CacheEnv {
  readonly CACHE_KEY_PARAMS?: string;
  readonly CACHE_PLAYLIST_TTL_S?: string;
  readonly CACHE_SEGMENT_TTL_S?: string;
  readonly CACHE_NEGATIVE_TTL_S?: string;
  readonly CACHE_SWR_S?: string;
  readonly CACHE_STALE_IF_ERROR_S?: string;
  readonly SHIELD_COOLDOWN_S?: string;
  readonly COMPRESS_PLAYLISTS?: string;
}

export interface CacheConfig {
  /** Operator filter parameters kept in cache keys and shield requests, besides `_HLS_*`. */
  readonly keyParams: readonly string[];
  readonly ttl: TtlConfig;
  /** How long a shield that failed is tried last instead of in its rendezvous place. */
  readonly shieldCooldownMs: number;
  /** Negotiate gzip/brotli for playlists on the way out. */
  readonly compressPlaylists: boolean;
}

export type CacheConfigIssue = ConfigIssue<keyof CacheEnv | `${keyof CacheEnv}[${number}]`>;

export const CACHE_CONFIG_DEFAULTS = {
  CACHE_KEY_PARAMS: '',
  CACHE_PLAYLIST_TTL_S: String(DEFAULT_TTL_CONFIG.playlistTtlMs / 1000),
  CACHE_SEGMENT_TTL_S: String(DEFAULT_TTL_CONFIG.segmentTtlMs / 1000),
  CACHE_NEGATIVE_TTL_S: String(DEFAULT_TTL_CONFIG.negativeTtlMs / 1000),
  CACHE_SWR_S: String(DEFAULT_TTL_CONFIG.swrMs / 1000),
  CACHE_STALE_IF_ERROR_S: String(DEFAULT_TTL_CONFIG.staleIfErrorMs / 1000),
  SHIELD_COOLDOWN_S: '10',
  COMPRESS_PLAYLISTS: 'on',
} as const;

const ONE_YEAR_S = 31_536_000;
const PARAM_NAME = /^[A-Za-z0-9_.~-]+$/;

/**
 * @example parseCacheConfig({ CACHE_SWR_S: 'soon' }).issues[0] // { key: 'CACHE_SWR_S', expected: …, got: '"soon"' }
 */
export function parseCacheConfig(env: CacheEnv): { config: CacheConfig; issues: CacheConfigIssue[] } {
  const issues: CacheConfigIssue[] = [];
  const seconds = (key: keyof CacheEnv & `${string}_S`, min: number): number => {
    const raw = (env[key] ?? CACHE_CONFIG_DEFAULTS[key]).trim();
    const n = /^\d+(\.\d{1,3})?$/.test(raw) ? Number(raw) : Number.NaN;
    if (!Number.isFinite(n) || n < min || n > ONE_YEAR_S) {
      issues.push({
        key,
        expected: `seconds between ${min} and ${ONE_YEAR_S} (up to 3 decimals)`,
        got: shown(raw),
      });
      return 0;
    }
    return Math.round(n * 1000);
  };
  const ttl: TtlConfig = Object.freeze({
    playlistTtlMs: seconds('CACHE_PLAYLIST_TTL_S', 1),
    segmentTtlMs: seconds('CACHE_SEGMENT_TTL_S', 1),
    negativeTtlMs: seconds('CACHE_NEGATIVE_TTL_S', 0),
    swrMs: seconds('CACHE_SWR_S', 0),
    staleIfErrorMs: seconds('CACHE_STALE_IF_ERROR_S', 0),
  });
  const shieldCooldownMs = seconds('SHIELD_COOLDOWN_S', 0);

  const keyParams = readList(
    env.CACHE_KEY_PARAMS ?? CACHE_CONFIG_DEFAULTS.CACHE_KEY_PARAMS,
    {
      key: 'CACHE_KEY_PARAMS',
      what: 'a comma-separated list of query parameter names',
      parse: (name) =>
        PARAM_NAME.test(name) && isKeyableParam(name)
          ? { value: name }
          : { expected: 'a query parameter name that is not a token, CMCD or cache buster' },
    },
    issues,
  );
  const compressPlaylists = readOnOff(
    env.COMPRESS_PLAYLISTS ?? CACHE_CONFIG_DEFAULTS.COMPRESS_PLAYLISTS,
    'COMPRESS_PLAYLISTS',
    issues,
  );
  return {
    config: Object.freeze({
      keyParams: Object.freeze(keyParams),
      ttl,
      shieldCooldownMs,
      compressPlaylists,
    }),
    issues,
  };
}
