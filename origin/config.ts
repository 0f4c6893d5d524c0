/**
 * Shield configuration: parses an environment-like record once into a frozen, typed object.
 *
 * The only place defaults live (CONTRACT.md "Ports, commands and environment"). Must not read
 * `process.env` itself (main.ts passes it in) and must not throw on bad input: every problem comes
 * back as an issue naming the key, the expectation and what was found, so an operator fixes them
 * all in one go.
 */
import { err, ok, type Result } from '../src/core/result.ts';
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
  /** When set, every request except /healthz must carry `x-edgeshield-auth` with this value. */
  readonly sharedSecret: string | undefined;
  /** Exact origins or `*`. */
  readonly corsOrigins: readonly string[];
  readonly logLevel: LogLevel;
}

/** One problem with one key: `SHIELD_PORT: expected integer 0-65535, got "abc"`. */
export interface ConfigIssue {
  readonly key: string;
  readonly expected: string;
  readonly got: string | undefined;
}

/** Environment-like input: `process.env` or a plain record in tests. */
export type ShieldEnv = Readonly<Record<string, string | undefined>>;

/** Defaults for every key (CONTRACT.md). */
export const SHIELD_DEFAULTS = Object.freeze({
  SHIELD_HOST: '127.0.0.1',
  SHIELD_PORT: '8081',
  SHIELD_UPSTREAMS: 'http://127.0.0.1:8080',
  SHIELD_CACHE_BYTES: String(256 * 1024 * 1024),
  SHIELD_MAX_OBJECT_BYTES: String(32 * 1024 * 1024),
  SHIELD_UPSTREAM_TIMEOUT_MS: '10000',
  SHIELD_CORS_ORIGINS: '*',
  SHIELD_LOG_LEVEL: 'info',
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
  const read = (key: keyof typeof SHIELD_DEFAULTS): string => env[key] ?? SHIELD_DEFAULTS[key];
  const integer = (key: keyof typeof SHIELD_DEFAULTS, min: number, max: number): number => {
    const raw = read(key);
    const n = /^\d+$/.test(raw.trim()) ? Number(raw.trim()) : Number.NaN;
    if (Number.isSafeInteger(n) && n >= min && n <= max) return n;
    issues.push({ key, expected: `integer ${min}-${max}`, got: raw });
    return min;
  };

  const host = read('SHIELD_HOST').trim();
  if (host === '') issues.push({ key: 'SHIELD_HOST', expected: 'host name or address', got: host });
  const port = integer('SHIELD_PORT', 0, 65535);
  const upstreams = parseUpstreams(read('SHIELD_UPSTREAMS'), issues);
  const cacheBytes = integer('SHIELD_CACHE_BYTES', 0, Number.MAX_SAFE_INTEGER);
  const maxObjectBytes = integer('SHIELD_MAX_OBJECT_BYTES', 1, Number.MAX_SAFE_INTEGER);
  const upstreamTimeoutMs = integer('SHIELD_UPSTREAM_TIMEOUT_MS', 1, 600_000);
  const sharedSecret = env.SHIELD_SHARED_SECRET;
  if (sharedSecret !== undefined && sharedSecret === '') {
    // An empty secret is almost always a templating mistake; refusing beats silently running open.
    issues.push({ key: 'SHIELD_SHARED_SECRET', expected: 'non-empty secret or unset', got: '' });
  }
  const corsOrigins = parseCorsOrigins(read('SHIELD_CORS_ORIGINS'), issues);
  const level = read('SHIELD_LOG_LEVEL').trim().toLowerCase();
  const logLevel = LOG_LEVELS.find((l) => l === level);
  if (logLevel === undefined) {
    issues.push({ key: 'SHIELD_LOG_LEVEL', expected: `one of ${LOG_LEVELS.join('|')}`, got: level });
  }

  if (issues.length > 0 || logLevel === undefined) return err(issues);
  return ok(
    Object.freeze({
      host,
      port,
      upstreams: Object.freeze(upstreams),
      cacheBytes,
      maxObjectBytes,
      upstreamTimeoutMs,
      sharedSecret,
      corsOrigins: Object.freeze(corsOrigins),
      logLevel,
    }),
  );
}

/**
 * Human-readable issue line.
 *
 * @example formatConfigIssue({ key: 'SHIELD_PORT', expected: 'integer 0-65535', got: 'abc' })
 *   // 'SHIELD_PORT: expected integer 0-65535, got "abc"'
 */
export function formatConfigIssue(issue: ConfigIssue): string {
  const got = issue.got === undefined ? 'nothing' : JSON.stringify(issue.got);
  return `${issue.key}: expected ${issue.expected}, got ${got}`;
}

function splitList(raw: string): string[] {
  return raw.split(',').map((s) => s.trim());
}

function parseUpstreams(raw: string, issues: ConfigIssue[]): string[] {
  const out: string[] = [];
  const entries = splitList(raw);
  for (const [i, entry] of entries.entries()) {
    const key = `SHIELD_UPSTREAMS[${i}]`;
    const expected = 'http(s) URL without query or fragment';
    let url: URL;
    try {
      url = new URL(entry);
    } catch {
      issues.push({ key, expected, got: entry });
      continue;
    }
    if ((url.protocol !== 'http:' && url.protocol !== 'https:') || url.search !== '' || url.hash !== '') {
      issues.push({ key, expected, got: entry });
      continue;
    }
    out.push(url.href);
  }
  return out;
}

function parseCorsOrigins(raw: string, issues: ConfigIssue[]): string[] {
  const out: string[] = [];
  for (const [i, entry] of splitList(raw).entries()) {
    if (entry === '*') {
      out.push(entry);
      continue;
    }
    let origin: string | undefined;
    try {
      origin = new URL(entry).origin;
    } catch {
      origin = undefined;
    }
    // An origin is scheme://host[:port] exactly; anything else would never match a browser's Origin.
    if (origin === undefined || origin === 'null' || origin !== entry) {
      issues.push({
        key: `SHIELD_CORS_ORIGINS[${i}]`,
        expected: '"*" or an origin like https://host',
        got: entry,
      });
      continue;
    }
    out.push(origin);
  }
  return out;
}
