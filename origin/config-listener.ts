/**
 * Shield configuration for the listening socket (issue 12): client deadlines, the connection cap
 * and TLS. Parsed by config.ts's `parseShieldConfig`, kept here so that file stays one screen of
 * core keys.
 *
 * The only place these defaults live. Must not read `process.env` or the certificate files (the
 * listener reads those, and names the key when one is unreadable) and must not throw: problems are
 * pushed as issues naming the key, the expectation and what was found.
 */
import { shown } from '../src/core/config/issue.ts';
import type { ConfigIssue, ShieldEnv } from './config.ts';
import { keyReader } from './config-tiers.ts';

/** Deadlines and the cap every client connection gets (origin/lane/listener.ts). */
export interface ConnectionLimits {
  /** A request head must be complete within this long of its first byte (else 408, closed). */
  readonly headersTimeoutMs: number;
  /** A whole request, head and body, must be received within this long of its first byte (else 408, closed). */
  readonly requestTimeoutMs: number;
  /** Client connections open at once; one more is answered 503 and closed. */
  readonly maxConnections: number;
}

/** PEM file paths for HTTPS (and mTLS when `clientCaPath` is set). */
export interface TlsFiles {
  readonly certPath: string;
  readonly keyPath: string;
  /** Clients must present a certificate issued by this CA (e.g. Cloudflare Authenticated Origin Pulls). */
  readonly clientCaPath: string | undefined;
}

/** Defaults; the TLS keys have none (plain HTTP unless a certificate and key are given). */
export const LISTENER_DEFAULTS = Object.freeze({
  // One packet carries a whole request head from the edge; 10 s is generous for any honest client
  // and bounds what a slow-header (slowloris) client holds.
  SHIELD_HEADERS_TIMEOUT_MS: '10000',
  // Only `POST /purge` has a body (at most 64 KiB).
  SHIELD_REQUEST_TIMEOUT_MS: '30000',
  // Bounded by file descriptors first: raise `ulimit -n` above it.
  SHIELD_MAX_CONNECTIONS: '10000',
});

/**
 * Parses the listener keys.
 *
 * @example parseListenerConfig({ SHIELD_MAX_CONNECTIONS: '500' }, issues).limits.maxConnections // 500
 */
export function parseListenerConfig(
  env: ShieldEnv,
  issues: ConfigIssue[],
): { limits: ConnectionLimits; tls: TlsFiles | undefined } {
  const { read, integer } = keyReader(env, LISTENER_DEFAULTS, issues);
  const headersTimeoutMs = integer('SHIELD_HEADERS_TIMEOUT_MS', 50, 600_000);
  const requestTimeoutMs = integer('SHIELD_REQUEST_TIMEOUT_MS', 50, 3_600_000);
  // Node's server refuses a header deadline beyond the request deadline (the head is part of it).
  if (requestTimeoutMs < headersTimeoutMs)
    issues.push({
      key: 'SHIELD_REQUEST_TIMEOUT_MS',
      expected: `at least SHIELD_HEADERS_TIMEOUT_MS (${headersTimeoutMs})`,
      got: shown(read('SHIELD_REQUEST_TIMEOUT_MS')),
    });
  const maxConnections = integer('SHIELD_MAX_CONNECTIONS', 1, 1_000_000);
  return {
    limits: Object.freeze({ headersTimeoutMs, requestTimeoutMs, maxConnections }),
    tls: parseTls(env, issues),
  };
}

function parseTls(env: ShieldEnv, issues: ConfigIssue[]): TlsFiles | undefined {
  const path = (key: 'SHIELD_TLS_CERT' | 'SHIELD_TLS_KEY' | 'SHIELD_TLS_CLIENT_CA'): string | undefined => {
    const raw = env[key];
    if (raw === undefined) return undefined;
    const value = raw.trim();
    if (value === '' || value.includes('\0')) {
      issues.push({ key, expected: 'a PEM file path or unset', got: shown(raw) });
      return undefined;
    }
    return value;
  };
  const certPath = path('SHIELD_TLS_CERT');
  const keyPath = path('SHIELD_TLS_KEY');
  const clientCaPath = path('SHIELD_TLS_CLIENT_CA');
  if (certPath !== undefined && keyPath === undefined)
    issues.push({
      key: 'SHIELD_TLS_KEY',
      expected: 'the key of SHIELD_TLS_CERT',
      got: shown(env.SHIELD_TLS_KEY),
    });
  if (keyPath !== undefined && certPath === undefined)
    issues.push({
      key: 'SHIELD_TLS_CERT',
      expected: 'the certificate of SHIELD_TLS_KEY',
      got: shown(env.SHIELD_TLS_CERT),
    });
  if (clientCaPath !== undefined && (certPath === undefined || keyPath === undefined))
    issues.push({
      key: 'SHIELD_TLS_CLIENT_CA',
      expected: 'set only with SHIELD_TLS_CERT and SHIELD_TLS_KEY (mTLS needs HTTPS)',
      got: shown(clientCaPath),
    });
  if (certPath === undefined || keyPath === undefined) return undefined;
  return Object.freeze({ certPath, keyPath, clientCaPath });
}
