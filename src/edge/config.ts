/**
 * Edge configuration: parses the Worker's `env` once into a frozen, typed object.
 *
 * Called only by index.ts (the only reader of `env`). Defaults live here and nowhere else. Never
 * throws on bad input: every problem is returned as an issue naming the key, what was expected and
 * what was found, so one log line tells an operator everything that is wrong at once.
 */
import { type ConfigIssue, formatConfigIssue } from '../core/config/issue.ts';
import { readInteger, readList } from '../core/config/read.ts';
import { parseBaseUrl, parseCorsOrigin } from '../core/config/url.ts';
import { err, ok, type Result } from '../core/result.ts';
import { type AuthConfig, type AuthEnv, parseAuthConfig } from './config-auth.ts';
import { type CacheConfig, type CacheEnv, parseCacheConfig } from './config-cache.ts';
import { type EgressConfig, type EgressEnv, parseEgressConfig } from './config-egress.ts';
import { type GeoConfig, type GeoEnv, parseGeoConfig } from './config-geo.ts';
import { type ManifestConfig, type ManifestEnv, parseManifestConfig } from './config-manifest.ts';
import { type PurgeConfig, type PurgeEnv, parsePurgeConfig } from './config-purge.ts';
import { parseRtcConfig, type RtcConfig, type RtcEnv } from './config-rtc.ts';
import { checkSecret } from './config-secret.ts';
import { type ControlConfig, type ControlEnv, parseControlConfig } from './control/config.ts';

/** The string bindings the edge reads (wrangler.toml [vars] plus the SHIELD_SHARED_SECRET secret). */
export interface EdgeEnv
  extends CacheEnv,
    AuthEnv,
    GeoEnv,
    ManifestEnv,
    EgressEnv,
    PurgeEnv,
    ControlEnv,
    RtcEnv {
  readonly SHIELD_URLS?: string;
  readonly SHIELD_SHARED_SECRET?: string;
  readonly CORS_ORIGINS?: string;
  readonly SHIELD_TIMEOUT_MS?: string;
  readonly CACHE_INFLIGHT_BYTES?: string;
}

export interface EdgeConfig {
  /** Shield base URLs (origin plus optional path prefix, no trailing slash), in failover order. */
  readonly shieldUrls: readonly string[];
  /** Sent as `x-edgeshield-auth` on every shield request when set. */
  readonly sharedSecret: string | undefined;
  /** Exact origins, or `['*']`. */
  readonly corsOrigins: readonly string[];
  /** Deadline for one shield attempt, headers and body. */
  readonly shieldTimeoutMs: number;
  /** Cache key params, TTL policy, shield health memory, compression (config-cache.ts). */
  readonly cache: CacheConfig;
  /** Viewer tokens (config-auth.ts) and geo rules (config-geo.ts). */
  readonly auth: AuthConfig;
  readonly geo: GeoConfig;
  /** Playlist rewriting per region and viewer (config-manifest.ts). */
  readonly manifest: ManifestConfig;
  /** Egress ledger sinks, contentId depth, viewer hash salt, CMSD identity (config-egress.ts). */
  readonly egress: EgressConfig;
  /** Bytes all single-flights of one isolate may retain for late joiners (coalesce.ts). */
  readonly inflightBytes: number;
  /** `POST /purge` credential and purge-log polling (config-purge.ts). */
  readonly purge: PurgeConfig;
  /** Operator API and runtime store settings (control/config.ts); used only with a CONTROL binding. */
  readonly control: ControlConfig;
  /** WHIP/WHEP media servers (config-rtc.ts); undefined = WebRTC signalling off. */
  readonly rtc: RtcConfig | undefined;
}

/** Issue keys name the binding and, inside a list or JSON value, the element: `AUTH_JWKS[0].alg`. */
export type EdgeIssueKey =
  | keyof EdgeEnv
  | `${keyof EdgeEnv}[${number}]${string}`
  | `${keyof EdgeEnv}.${string}`;

export type EdgeConfigIssue = ConfigIssue<EdgeIssueKey>;
export { formatConfigIssue };

export const EDGE_CONFIG_DEFAULTS = {
  SHIELD_URLS: 'http://127.0.0.1:8081',
  CORS_ORIGINS: '*',
  SHIELD_TIMEOUT_MS: '10000',
  // 48 MiB: well under the 128 MB isolate limit, leaving room for the rest of the Worker.
  CACHE_INFLIGHT_BYTES: String(48 * 2 ** 20),
} as const;

const MAX_TIMEOUT_MS = 300_000;
/** The Workers isolate memory limit: a larger in-flight budget could never be honoured. */
const MAX_INFLIGHT_BYTES = 128 * 2 ** 20;

/**
 * @example
 *   const r = parseEdgeConfig({ SHIELD_URLS: 'not a url' });
 *   // r.ok === false; r.error[0] → { key: 'SHIELD_URLS[0]', expected: 'absolute http(s) URL…', got: '"not a url"' }
 */
export function parseEdgeConfig(
  env: EdgeEnv,
  /** Platform facts index.ts knows: a CONTROL store supplies tenant keys, so AUTH_JWKS may be empty. */
  facts: { readonly controlStore?: boolean } = {},
): Result<EdgeConfig, readonly EdgeConfigIssue[]> {
  const issues: EdgeConfigIssue[] = [];
  const shieldUrls = readList(
    env.SHIELD_URLS ?? EDGE_CONFIG_DEFAULTS.SHIELD_URLS,
    { key: 'SHIELD_URLS', min: 1, what: 'a comma-separated list of shield URLs', parse: parseBaseUrl },
    issues,
  );
  const corsOrigins = readList(
    env.CORS_ORIGINS ?? EDGE_CONFIG_DEFAULTS.CORS_ORIGINS,
    { key: 'CORS_ORIGINS', min: 1, what: '"*" or a comma-separated list of origins', parse: parseCorsOrigin },
    issues,
  );
  const shieldTimeoutMs = readInteger(
    env.SHIELD_TIMEOUT_MS ?? EDGE_CONFIG_DEFAULTS.SHIELD_TIMEOUT_MS,
    { key: 'SHIELD_TIMEOUT_MS', min: 1, max: MAX_TIMEOUT_MS, unit: 'milliseconds' },
    issues,
  );
  const inflightBytes = readInteger(
    env.CACHE_INFLIGHT_BYTES ?? EDGE_CONFIG_DEFAULTS.CACHE_INFLIGHT_BYTES,
    { key: 'CACHE_INFLIGHT_BYTES', min: 0, max: MAX_INFLIGHT_BYTES, unit: 'bytes' },
    issues,
  );
  const cache = parseCacheConfig(env);
  issues.push(...cache.issues);
  const auth = parseAuthConfig(env, issues, { keysFromStore: facts.controlStore === true });
  const geo = parseGeoConfig(env, issues);
  const manifest = parseManifestConfig(env, issues);
  const egress = parseEgressConfig(env, issues);
  const secret = env.SHIELD_SHARED_SECRET;
  checkSecret('SHIELD_SHARED_SECRET', secret, 1, issues);
  const sharedSecret = secret === undefined || secret === '' ? undefined : secret;
  const purge = parsePurgeConfig(env, sharedSecret, issues);
  const control = parseControlConfig(env, issues);
  const rtc = parseRtcConfig(env, issues);
  if (issues.length > 0) return err(issues);
  return ok(
    Object.freeze({
      shieldUrls: Object.freeze(shieldUrls),
      // An empty secret means "not configured" (wrangler cannot unset a var, only blank it).
      sharedSecret,
      corsOrigins: Object.freeze(corsOrigins),
      shieldTimeoutMs,
      cache: cache.config,
      auth,
      geo,
      manifest,
      egress,
      inflightBytes,
      purge,
      control,
      rtc,
    }),
  );
}
