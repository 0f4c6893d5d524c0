/**
 * Shield configuration: parses an environment-like record once into a frozen, typed object.
 *
 * The only place defaults live (CONTRACT.md "Ports, commands and environment"). Must not read
 * `process.env` itself (main.ts passes it in) and must not throw on bad input: every problem comes
 * back as an issue naming the key, the expectation and what was found, so an operator fixes them
 * all in one go.
 */
import { availableParallelism } from 'node:os';
import { type ConfigIssue, formatConfigIssue, shown } from '../src/core/config/issue.ts';
import { readList, readOneOf, readOnOff } from '../src/core/config/read.ts';
import { readCorsOrigins, readLogSink, readSharedSecret } from '../src/core/config/service.ts';
import { parseBaseUrl } from '../src/core/config/url.ts';
import { err, ok, type Result } from '../src/core/result.ts';
import { type DefaultTtl, parseDefaultTtl } from './config-default-ttl.ts';
import { type ConnectionLimits, parseListenerConfig, type TlsFiles } from './config-listener.ts';
import { type DiskConfig, keyReader, type PrefetchConfig, parseTierConfig } from './config-tiers.ts';
import { LOG_LEVELS, type LogLevel } from './log.ts';

/** Validated shield settings. Frozen; share freely. */
export interface ShieldConfig {
  readonly host: string;
  readonly port: number;
  /** Packager base URLs, tried in order (failover on connect error, timeout or 5xx). */
  readonly upstreams: readonly string[];
  /** Byte budget of the object cache; 0 disables caching. */
  readonly cacheBytes: number;
  /** Larger objects stream through uncached. */
  readonly maxObjectBytes: number;
  /** Connect, headers and between-body-chunks timeout for each upstream attempt. */
  readonly upstreamTimeoutMs: number;
  /** When set, every request except /healthz and /readyz must carry `x-edgeshield-auth` with this value. */
  readonly sharedSecret: string | undefined;
  /** SWR window used when the packager sends none (capped at the object's lifetime), seconds. */
  readonly staleWhileRevalidateSec: number;
  /** Upper bound for serving stale instead of an upstream error, seconds. */
  readonly staleIfErrorSec: number;
  /** How long a 404/410 is remembered, seconds; 0 disables negative caching. */
  readonly negativeTtlSec: number;
  /** How far a waiter may fall behind the fastest one on a body that is not being retained. */
  readonly waiterMaxLagBytes: number;
  /** Total body bytes fills in flight may retain; beyond it new fills stream through uncached. */
  readonly inflightBytes: number;
  /** Consecutive failures that open a packager's circuit; 0 disables the breaker. */
  readonly breakerFailures: number;
  readonly breakerCooldownMs: number;
  /** How long shutdown lets in-flight responses finish before cutting connections. */
  readonly shutdownGraceMs: number;
  /** An idle client connection (no response owed) is closed after this long without traffic. */
  readonly keepAliveTimeoutMs: number;
  /** Exact origins or `*`. */
  readonly corsOrigins: readonly string[];
  readonly logLevel: LogLevel;
  /** Egress ledger sink (issue 8, origin/egress.ts): `-` for stdout, a file path, or undefined (off). */
  readonly egressLog: string | undefined;
  /** Playlist / CMCD prefetch (config-tiers.ts). */
  readonly prefetch: PrefetchConfig;
  /** Disk tier for long-lived objects; undefined = off (config-tiers.ts). */
  readonly disk: DiskConfig | undefined;
  /** Fresh whole-object hits answered on the raw socket in front of Node's HTTP server (lane/fast-lane.ts). */
  readonly fastLane: boolean;
  /** Lifetimes for responses whose origin says nothing about freshness; undefined = off (config-default-ttl.ts). */
  readonly defaultTtl: DefaultTtl | undefined;
  /** Client deadlines and the connection cap (config-listener.ts). */
  readonly limits: ConnectionLimits;
  /** HTTPS (and mTLS) certificate files; undefined = plain HTTP (config-listener.ts). */
  readonly tls: TlsFiles | undefined;
  /** Processes serving the listener (origin/cluster/); 1 = today's single process, no cluster. */
  readonly workers: number;
}

/** One problem with one key (the config-issue kit's): `SHIELD_PORT: expected …, got "abc"`. */
export { type ConfigIssue, formatConfigIssue };

/** Environment-like input: `process.env` or a plain record in tests. */
export type ShieldEnv = Readonly<Record<string, string | undefined>>;

/** Defaults for every key (CONTRACT.md). */
export const SHIELD_DEFAULTS = Object.freeze({
  SHIELD_HOST: '127.0.0.1',
  SHIELD_PORT: '8081',
  SHIELD_UPSTREAMS: 'http://127.0.0.1:8080',
  // 4 GiB of a 24 GB box: bodies live outside the V8 heap, so RSS ≈ cache + ~150 MB, leaving room for
  // the OS page cache, a packager or a second shield process on the same host.
  SHIELD_CACHE_BYTES: String(4 * 1024 * 1024 * 1024),
  SHIELD_MAX_OBJECT_BYTES: String(32 * 1024 * 1024),
  SHIELD_UPSTREAM_TIMEOUT_MS: '10000',
  SHIELD_STALE_WHILE_REVALIDATE_SEC: '60',
  SHIELD_STALE_IF_ERROR_SEC: '300',
  SHIELD_NEGATIVE_TTL_SEC: '5',
  SHIELD_WAITER_MAX_LAG_BYTES: String(8 * 1024 * 1024),
  // Bodies held by fills in flight, all fills together: 8 × the 32 MiB object limit, or ~1,300
  // concurrent 200 KB segment misses. Beyond it a fill streams through without being stored.
  SHIELD_INFLIGHT_BYTES: String(256 * 1024 * 1024),
  SHIELD_BREAKER_FAILURES: '5',
  SHIELD_BREAKER_COOLDOWN_MS: '5000',
  SHIELD_SHUTDOWN_GRACE_MS: '10000',
  // Node's default; also how long a client may stay silent inside a request head.
  SHIELD_KEEPALIVE_TIMEOUT_MS: '5000',
  SHIELD_CORS_ORIGINS: '*',
  // Secure by default (DESIGN.md "Edge → shield"): the shield answers only the edge's credential.
  SHIELD_AUTH: 'required',
  SHIELD_LOG_LEVEL: 'info',
  // Off by default: a record per response would double the shield's log volume on stdout.
  SHIELD_EGRESS_LOG: 'off',
  // On by default: hits skip Node's HTTP objects (measured in bench/shield; README "Origin shield").
  SHIELD_FAST_LANE: 'on',
  // Every core of the host (README "All cores"); `1` runs the single process without node:cluster.
  SHIELD_WORKERS: 'auto',
});

/**
 * Parses and validates shield settings.
 *
 * @example
 *   const r = parseShieldConfig({ SHIELD_PORT: '0', SHIELD_UPSTREAMS: 'http://127.0.0.1:9000' });
 *   if (!r.ok) console.error(r.error.map(formatConfigIssue).join('\n'));
 */
export function parseShieldConfig(env: ShieldEnv): Result<ShieldConfig, ConfigIssue[]> {
  const issues: ConfigIssue[] = [];
  const { read, integer } = keyReader(env, SHIELD_DEFAULTS, issues);

  const host = read('SHIELD_HOST').trim();
  if (host === '') issues.push({ key: 'SHIELD_HOST', expected: 'host name or address', got: shown(host) });
  const port = integer('SHIELD_PORT', 0, 65535);
  const upstreams = readList(
    read('SHIELD_UPSTREAMS'),
    { key: 'SHIELD_UPSTREAMS', min: 1, what: 'a comma-separated list of packager URLs', parse: parseBaseUrl },
    issues,
  );
  const cacheBytes = integer('SHIELD_CACHE_BYTES', 0, Number.MAX_SAFE_INTEGER);
  const maxObjectBytes = integer('SHIELD_MAX_OBJECT_BYTES', 1, Number.MAX_SAFE_INTEGER);
  const upstreamTimeoutMs = integer('SHIELD_UPSTREAM_TIMEOUT_MS', 1, 600_000);
  const staleWhileRevalidateSec = integer('SHIELD_STALE_WHILE_REVALIDATE_SEC', 0, 86_400);
  const staleIfErrorSec = integer('SHIELD_STALE_IF_ERROR_SEC', 0, 7 * 86_400);
  const negativeTtlSec = integer('SHIELD_NEGATIVE_TTL_SEC', 0, 3_600);
  const waiterMaxLagBytes = integer('SHIELD_WAITER_MAX_LAG_BYTES', 65_536, Number.MAX_SAFE_INTEGER);
  const inflightBytes = integer('SHIELD_INFLIGHT_BYTES', 65_536, Number.MAX_SAFE_INTEGER);
  const breakerFailures = integer('SHIELD_BREAKER_FAILURES', 0, 1_000);
  const breakerCooldownMs = integer('SHIELD_BREAKER_COOLDOWN_MS', 1, 600_000);
  const shutdownGraceMs = integer('SHIELD_SHUTDOWN_GRACE_MS', 0, 600_000);
  const keepAliveTimeoutMs = integer('SHIELD_KEEPALIVE_TIMEOUT_MS', 100, 600_000);
  const sharedSecret = readSharedSecret(
    read('SHIELD_AUTH').trim(),
    env.SHIELD_SHARED_SECRET,
    { auth: 'SHIELD_AUTH', secret: 'SHIELD_SHARED_SECRET' },
    issues,
  );
  const corsOrigins = readCorsOrigins(read('SHIELD_CORS_ORIGINS'), 'SHIELD_CORS_ORIGINS', issues);
  const logLevel = readOneOf(
    read('SHIELD_LOG_LEVEL').toLowerCase(),
    { key: 'SHIELD_LOG_LEVEL', allowed: LOG_LEVELS },
    issues,
  );

  const egressLog = readLogSink(read('SHIELD_EGRESS_LOG'), 'SHIELD_EGRESS_LOG', issues);
  const fastLane = readOnOff(read('SHIELD_FAST_LANE'), 'SHIELD_FAST_LANE', issues);
  const { prefetch, disk } = parseTierConfig(env, issues);
  const defaultTtl = parseDefaultTtl(env, issues);
  const { limits, tls } = parseListenerConfig(env, issues);
  const workersRaw = read('SHIELD_WORKERS').trim();
  // SO_REUSEPORT spreads connections across workers (cluster/primary.ts); where Node cannot set it
  // (macOS, Windows) `auto` is one process.
  let workers = process.platform === 'linux' ? availableParallelism() : 1;
  if (workersRaw !== 'auto') {
    workers = /^\d+$/.test(workersRaw) ? Number(workersRaw) : Number.NaN;
    if (!(Number.isSafeInteger(workers) && workers >= 1 && workers <= 256))
      issues.push({
        key: 'SHIELD_WORKERS',
        expected: '"auto" or an integer from 1 to 256',
        got: shown(workersRaw),
      });
  }

  // Each worker gets 1/N of the cache (cluster/worker-config.ts): below the largest object a worker
  // could never store it, so every such request would be a BYPASS forever.
  if (
    issues.length === 0 &&
    workers > 1 &&
    cacheBytes > 0 &&
    Math.floor(cacheBytes / workers) < maxObjectBytes
  )
    issues.push({
      key: 'SHIELD_CACHE_BYTES',
      expected: `at least SHIELD_MAX_OBJECT_BYTES × SHIELD_WORKERS = ${maxObjectBytes * workers} (each of the ${workers} workers gets 1/${workers}; raise SHIELD_CACHE_BYTES, lower SHIELD_MAX_OBJECT_BYTES or SHIELD_WORKERS)`,
      got: shown(String(cacheBytes)),
    });
  if (issues.length > 0) return err(issues);
  return ok(
    Object.freeze({
      host,
      port,
      upstreams: Object.freeze(upstreams),
      cacheBytes,
      maxObjectBytes,
      upstreamTimeoutMs,
      staleWhileRevalidateSec,
      staleIfErrorSec,
      negativeTtlSec,
      waiterMaxLagBytes,
      inflightBytes,
      breakerFailures,
      breakerCooldownMs,
      shutdownGraceMs,
      keepAliveTimeoutMs,
      sharedSecret,
      corsOrigins: Object.freeze(corsOrigins),
      logLevel,
      egressLog,
      prefetch,
      disk,
      fastLane,
      defaultTtl,
      limits,
      tls,
      workers,
    }),
  );
}
