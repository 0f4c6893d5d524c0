/** parseShieldConfig: defaults, validation issues naming key, expectation and value; frozen output. */
import { availableParallelism } from 'node:os';
import { describe, expect, it } from 'vitest';
import { formatConfigIssue, parseShieldConfig } from '../../origin/config.ts';

/** A minimal valid environment: the edge's secret (auth is required by default). */
const BASE = { SHIELD_SHARED_SECRET: 's3cret' };

const issues = (env: Record<string, string>) => {
  const r = parseShieldConfig({ ...BASE, ...env });
  return r.ok ? [] : r.error.map(formatConfigIssue);
};

describe('parseShieldConfig', () => {
  it('applies the documented defaults to an environment holding only the secret', () => {
    const r = parseShieldConfig(BASE);
    expect(r.ok && r.value).toEqual({
      host: '127.0.0.1',
      port: 8081,
      upstreams: ['http://127.0.0.1:8080'],
      cacheBytes: 4294967296,
      maxObjectBytes: 33554432,
      upstreamTimeoutMs: 10000,
      staleWhileRevalidateSec: 60,
      staleIfErrorSec: 300,
      negativeTtlSec: 5,
      waiterMaxLagBytes: 8388608,
      inflightBytes: 268435456,
      breakerFailures: 5,
      breakerCooldownMs: 5000,
      shutdownGraceMs: 10000,
      keepAliveTimeoutMs: 5000,
      sharedSecret: 's3cret',
      corsOrigins: ['*'],
      logLevel: 'info',
      prefetch: { perPlaylist: 0, cmcd: false, concurrency: 4 },
      disk: undefined,
      fastLane: true,
      defaultTtl: { playlistSec: 3600, segmentSec: 31536000 },
      limits: { headersTimeoutMs: 10000, requestTimeoutMs: 30000, maxConnections: 10000 },
      tls: undefined,
      workers: availableParallelism(),
    });
  });

  it('parses client deadlines and the connection cap, and names bad values', () => {
    const r = parseShieldConfig({
      ...BASE,
      SHIELD_HEADERS_TIMEOUT_MS: '2000',
      SHIELD_REQUEST_TIMEOUT_MS: '5000',
      SHIELD_MAX_CONNECTIONS: '500',
    });
    expect(r.ok && r.value.limits).toEqual({
      headersTimeoutMs: 2000,
      requestTimeoutMs: 5000,
      maxConnections: 500,
    });
    expect(issues({ SHIELD_MAX_CONNECTIONS: '0', SHIELD_HEADERS_TIMEOUT_MS: 'soon' })).toEqual([
      'SHIELD_HEADERS_TIMEOUT_MS: expected an integer from 50 to 600000, got "soon"',
      'SHIELD_MAX_CONNECTIONS: expected an integer from 1 to 1000000, got "0"',
    ]);
    expect(issues({ SHIELD_HEADERS_TIMEOUT_MS: '20000', SHIELD_REQUEST_TIMEOUT_MS: '10000' })).toEqual([
      'SHIELD_REQUEST_TIMEOUT_MS: expected at least SHIELD_HEADERS_TIMEOUT_MS (20000), got "10000"',
    ]);
  });

  it('parses TLS file paths and names a certificate without its key, or a client CA without HTTPS', () => {
    const r = parseShieldConfig({
      ...BASE,
      SHIELD_TLS_CERT: '/etc/shield/cert.pem',
      SHIELD_TLS_KEY: '/etc/shield/key.pem',
      SHIELD_TLS_CLIENT_CA: '/etc/shield/origin-pull-ca.pem',
    });
    expect(r.ok && r.value.tls).toEqual({
      certPath: '/etc/shield/cert.pem',
      keyPath: '/etc/shield/key.pem',
      clientCaPath: '/etc/shield/origin-pull-ca.pem',
    });
    expect(issues({ SHIELD_TLS_CERT: '/c.pem' })).toEqual([
      'SHIELD_TLS_KEY: expected the key of SHIELD_TLS_CERT, got nothing',
    ]);
    expect(issues({ SHIELD_TLS_CLIENT_CA: '/ca.pem' })).toEqual([
      'SHIELD_TLS_CLIENT_CA: expected set only with SHIELD_TLS_CERT and SHIELD_TLS_KEY (mTLS needs HTTPS), got "/ca.pem"',
    ]);
  });

  it('turns the fast lane off and names a bad value', () => {
    expect(parseShieldConfig({ ...BASE, SHIELD_FAST_LANE: 'off' })).toMatchObject({
      value: { fastLane: false },
    });
    expect(issues({ SHIELD_FAST_LANE: 'fast' })).toContain(
      'SHIELD_FAST_LANE: expected "on" or "off", got "fast"',
    );
  });

  it('parses default freshness keys, turns them off and names bad values', () => {
    const r = parseShieldConfig({ ...BASE, SHIELD_DEFAULT_SEGMENT_TTL_SEC: '86400' });
    expect(r.ok && r.value.defaultTtl).toEqual({ playlistSec: 3600, segmentSec: 86400 });
    expect(parseShieldConfig({ ...BASE, SHIELD_DEFAULT_TTL: 'off' })).toMatchObject({
      value: { defaultTtl: undefined },
    });
    expect(issues({ SHIELD_DEFAULT_TTL: 'auto', SHIELD_DEFAULT_PLAYLIST_TTL_SEC: '1h' })).toEqual([
      'SHIELD_DEFAULT_PLAYLIST_TTL_SEC: expected an integer number of seconds from 0 to 315360000, got "1h"',
      'SHIELD_DEFAULT_TTL: expected "on" or "off", got "auto"',
    ]);
  });

  it('takes SHIELD_WORKERS as a count or auto and names a bad value', () => {
    expect(parseShieldConfig({ ...BASE, SHIELD_WORKERS: '4' })).toMatchObject({ value: { workers: 4 } });
    expect(parseShieldConfig({ ...BASE, SHIELD_WORKERS: 'auto' })).toMatchObject({
      value: { workers: availableParallelism() },
    });
    expect(issues({ SHIELD_WORKERS: '0' })).toContain(
      'SHIELD_WORKERS: expected "auto" or an integer from 1 to 256, got "0"',
    );
    expect(issues({ SHIELD_WORKERS: 'all' })).toContain(
      'SHIELD_WORKERS: expected "auto" or an integer from 1 to 256, got "all"',
    );
  });

  it('refuses a SHIELD_CACHE_BYTES whose per-worker share could never hold the largest object', () => {
    // 32 workers × the 32 MiB default largest object = 1 GiB; 512 MiB gives each worker 16 MiB.
    const tooSmall = issues({ SHIELD_WORKERS: '32', SHIELD_CACHE_BYTES: String(512 * 1024 * 1024) });
    expect(tooSmall).toHaveLength(1);
    expect(tooSmall[0]).toMatch(
      /^SHIELD_CACHE_BYTES: expected at least .*1073741824.*raise SHIELD_CACHE_BYTES.*got "536870912"$/,
    );
    // Enough per worker, a single process, or caching off: no issue.
    expect(issues({ SHIELD_WORKERS: '32', SHIELD_CACHE_BYTES: String(1024 * 1024 * 1024) })).toEqual([]);
    expect(issues({ SHIELD_WORKERS: '1', SHIELD_CACHE_BYTES: '2500' })).toEqual([]);
    expect(issues({ SHIELD_WORKERS: '32', SHIELD_CACHE_BYTES: '0' })).toEqual([]);
    expect(
      issues({ SHIELD_WORKERS: '32', SHIELD_CACHE_BYTES: '32000000', SHIELD_MAX_OBJECT_BYTES: '1000000' }),
    ).toEqual([]);
  });

  it('parses prefetch and disk keys and names bad values', () => {
    const r = parseShieldConfig({
      ...BASE,
      SHIELD_PREFETCH_SEGMENTS: '3',
      SHIELD_PREFETCH_CMCD: 'on',
      SHIELD_DISK_DIR: '/var/cache/shield',
      SHIELD_DISK_BYTES: '1000',
    });
    expect(r.ok && r.value.prefetch).toEqual({ perPlaylist: 3, cmcd: true, concurrency: 4 });
    expect(r.ok && r.value.disk).toEqual({ dir: '/var/cache/shield', maxBytes: 1000 });
    expect(
      issues({ SHIELD_PREFETCH_SEGMENTS: '99', SHIELD_PREFETCH_CMCD: 'yes', SHIELD_DISK_DIR: ' ' }),
    ).toEqual([
      'SHIELD_PREFETCH_SEGMENTS: expected an integer from 0 to 32, got "99"',
      'SHIELD_PREFETCH_CMCD: expected "on" or "off", got "yes"',
      'SHIELD_DISK_DIR: expected a directory path or unset, got " "',
    ]);
  });

  it('refuses to start open: no secret is an issue naming SHIELD_SHARED_SECRET', () => {
    expect(parseShieldConfig({}).ok).toBe(false);
    expect(issues({ SHIELD_SHARED_SECRET: undefined as unknown as string })).toEqual([
      "SHIELD_SHARED_SECRET: expected the edge's shared secret (or SHIELD_AUTH=off on a trusted network), got nothing",
    ]);
  });

  it('runs without edge credentials only when SHIELD_AUTH=off says so explicitly', () => {
    const r = parseShieldConfig({ SHIELD_AUTH: 'off' });
    expect(r.ok && r.value.sharedSecret).toBeUndefined();
    expect(issues({ SHIELD_AUTH: 'off' })).toEqual([
      'SHIELD_AUTH: expected required when SHIELD_SHARED_SECRET is set, got "off"',
    ]);
    expect(issues({ SHIELD_AUTH: 'maybe' })).toEqual([
      'SHIELD_AUTH: expected "required" or "off", got "maybe"',
    ]);
  });

  it('returns a frozen config', () => {
    const r = parseShieldConfig(BASE);
    expect(r.ok && Object.isFrozen(r.value)).toBe(true);
    expect(r.ok && Object.isFrozen(r.value.upstreams)).toBe(true);
  });

  it('names the key, the expectation and the value for a bad port', () => {
    expect(issues({ SHIELD_PORT: 'abc' })).toEqual([
      'SHIELD_PORT: expected an integer from 0 to 65535, got "abc"',
    ]);
    expect(issues({ SHIELD_PORT: '70000' })).toHaveLength(1);
  });

  it('indexes the bad entry of the upstream list', () => {
    expect(issues({ SHIELD_UPSTREAMS: 'http://a:1, ftp://x' })).toEqual([
      'SHIELD_UPSTREAMS[1]: expected absolute http(s) URL without query or fragment, got "ftp://x"',
    ]);
  });

  it('reports every issue at once', () => {
    expect(
      issues({
        SHIELD_PORT: '-1',
        SHIELD_CACHE_BYTES: 'lots',
        SHIELD_LOG_LEVEL: 'loud',
        SHIELD_UPSTREAMS: '',
      }),
    ).toHaveLength(4);
  });

  it('refuses an empty shared secret rather than running unauthenticated', () => {
    expect(issues({ SHIELD_SHARED_SECRET: '' })[0]).toMatch(/^SHIELD_SHARED_SECRET: /);
  });

  it('refuses a CORS entry that is not an exact origin', () => {
    expect(issues({ SHIELD_CORS_ORIGINS: 'https://ok.example,https://bad.example/path' })).toEqual([
      'SHIELD_CORS_ORIGINS[1]: expected "*" or an origin like https://player.example, got "https://bad.example/path"',
    ]);
  });

  it('keeps several upstreams in their configured order', () => {
    const r = parseShieldConfig({ ...BASE, SHIELD_UPSTREAMS: 'http://b:2,https://a:1/prefix' });
    expect(r.ok && r.value.upstreams).toEqual(['http://b:2', 'https://a:1/prefix']);
  });
});
