/**
 * Every string binding the edge config reads, as a runtime list: tools that hand settings to the edge
 * (`npm start`) or check them offline pick exactly these keys. The record below must name every key of
 * EdgeEnv and nothing else (the compiler checks both), so the list cannot drift from the parsers.
 * Must not parse values (config.ts does).
 */
import type { EdgeEnv } from './config.ts';

const KEYS: Readonly<Record<keyof EdgeEnv, true>> = {
  SHIELD_URLS: true,
  SHIELD_SHARED_SECRET: true,
  CORS_ORIGINS: true,
  SHIELD_TIMEOUT_MS: true,
  CACHE_INFLIGHT_BYTES: true,
  CACHE_KEY_PARAMS: true,
  CACHE_PLAYLIST_TTL_S: true,
  CACHE_SEGMENT_TTL_S: true,
  CACHE_NEGATIVE_TTL_S: true,
  CACHE_SWR_S: true,
  CACHE_STALE_IF_ERROR_S: true,
  SHIELD_COOLDOWN_S: true,
  COMPRESS_PLAYLISTS: true,
  AUTH_MODE: true,
  AUTH_JWKS: true,
  AUTH_JWKS_URL: true,
  AUTH_JWKS_ALGS: true,
  AUTH_JWKS_REFRESH_S: true,
  AUTH_JWKS_MAX_AGE_S: true,
  AUTH_VERIFIERS: true,
  AUTH_TOKEN_PARAM: true,
  AUTH_COOKIE: true,
  AUTH_CLOCK_SKEW_S: true,
  GEO_RULES: true,
  DEV_TRUST_CLIENT_COUNTRY: true,
  MANIFEST_POLICIES: true,
  MANIFEST_TOKEN_MODE: true,
  MANIFEST_TOKEN_SCOPE: true,
  MANIFEST_ON_PARSE_ERROR: true,
  EGRESS_STDOUT: true,
  EGRESS_CONTENT_DEPTH: true,
  EGRESS_VIEWER_SALT: true,
  CMSD_NODE: true,
  EDGE_PURGE_SECRET: true,
  PURGE_POLL_S: true,
  ADMIN_API_KEY: true,
  API_RATE_PER_MINUTE: true,
  CONTROL_CACHE_TTL_S: true,
  CONTROL_KEY_SECRET: true,
  RTC_URLS: true,
  RTC_SHARED_SECRET: true,
  RTC_ICE_SERVERS: true,
  RTC_TIMEOUT_MS: true,
  RTC_ANONYMOUS_PUBLISH: true,
};

/**
 * The names of every binding parseEdgeConfig reads.
 *
 * @example EDGE_ENV_KEYS.includes('GEO_RULES') // true
 */
export const EDGE_ENV_KEYS: readonly (keyof EdgeEnv)[] = Object.freeze(
  Object.keys(KEYS) as (keyof EdgeEnv)[],
);
