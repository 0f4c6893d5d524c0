/**
 * The JWT verifier (jose) behind the core `TokenVerifier` interface. Keys come from an inline JWKS
 * (each key pinned to its `alg`) and/or a JWKS URL held by our own cache (jwks-cache.ts: rotation by
 * `kid`, an unknown `kid` refetches at most once per AUTH_JWKS_REFRESH_S, the request's clock drives
 * it). `none` and algorithm confusion are refused by construction: only listed algorithms are
 * accepted, and every key is pinned to one algorithm. Non-canonical spellings (high-S ECDSA, stray
 * base64url bits) are refused before jose by core's `checkJwsCanonical`. Only the signature is checked here;
 * exp/nbf/iat/acl/ip are core's `checkClaims`.
 */
import {
  type CompactVerifyGetKey,
  compactVerify,
  createLocalJWKSet,
  importJWK,
  type JSONWebKeySet,
} from 'jose';
import { claimsFromJson } from '../../core/auth/claims.ts';
import { checkJwsCanonical } from '../../core/auth/jws-canonical.ts';
import type { JwtAlg } from '../../core/auth/jwt-sign.ts';
import { MAX_TOKEN_LENGTH, type TokenVerifier } from '../../core/auth/types.ts';
import { err } from '../../core/result.ts';
import { createJwksCache, type JwksCacheOptions } from './jwks-cache.ts';

export interface JwtVerifierOptions {
  readonly jwks?: JSONWebKeySet;
  readonly jwksUrl?: string;
  /** Accepted algorithms: the inline keys' pinned algs plus the ones allowed for URL keys. */
  readonly algorithms: readonly JwtAlg[];
  /** Minimum seconds between JWKS refetches triggered by an unknown kid. */
  readonly refreshS: number;
  /** Seconds a fetched JWKS is trusted before a refetch (ceiling for its Cache-Control max-age). */
  readonly cacheMaxAgeS: number;
  readonly fetch?: typeof fetch;
  /** JWKS fetch/skip log sink (default: console.warn JSON). */
  readonly log?: JwksCacheOptions['log'];
}

const JWT_SHAPE = /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*$/;

/** @example createJwtVerifier({ jwks, algorithms: ['ES256'], refreshS: 30, cacheMaxAgeS: 600 }) */
export function createJwtVerifier(options: JwtVerifierOptions): TokenVerifier {
  // jose's local key sets hold asymmetric keys only; HS256 secrets are selected by kid here, pinned.
  const asymmetric = (options.jwks?.keys ?? []).filter((k) => k.kty !== 'oct');
  const secrets = new Map(
    (options.jwks?.keys ?? []).filter((k) => k.kty === 'oct' && k.kid).map((k) => [k.kid, k]),
  );
  const imported = new Map<string, ReturnType<typeof importJWK>>();
  const local = asymmetric.length > 0 ? createLocalJWKSet({ keys: asymmetric }) : undefined;
  const fetchImpl = options.fetch ?? ((url: string, init: RequestInit) => fetch(url, init));
  const remote = options.jwksUrl
    ? createJwksCache({
        url: options.jwksUrl,
        fetch: (url, init) => fetchImpl(url, init),
        // URL keys never include HS256 (config refuses it; the cache refuses oct keys too).
        algorithms: options.algorithms.filter((a) => a !== 'HS256'),
        refreshS: options.refreshS,
        maxAgeS: options.cacheMaxAgeS,
        ...(options.log ? { log: options.log } : {}),
      })
    : undefined;
  const keyAt =
    (nowMs: number): CompactVerifyGetKey =>
    async (header, token) => {
      if (header.alg === 'HS256') {
        const jwk = header.kid === undefined ? undefined : secrets.get(header.kid);
        if (jwk?.alg !== 'HS256' || header.kid === undefined)
          throw Object.assign(new Error('no HS256 key for kid'), { code: 'ERR_JWKS_NO_MATCHING_KEY' });
        let key = imported.get(header.kid);
        if (!key) {
          key = importJWK(jwk, 'HS256');
          imported.set(header.kid, key);
        }
        return key;
      }
      if (local) {
        try {
          return await local(header, token);
        } catch (error) {
          if (!remote || codeOf(error) !== 'ERR_JWKS_NO_MATCHING_KEY') throw error;
        }
      }
      if (remote) {
        const found = await remote.key(header.kid, header.alg ?? '', nowMs);
        if (found.ok) return found.value;
        const code =
          found.error.reason === 'unknown-key' ? 'ERR_JWKS_NO_MATCHING_KEY' : 'ERR_JWKS_KEY_UNAVAILABLE';
        throw Object.assign(new Error(found.error.reason), { code });
      }
      throw Object.assign(new Error('no key source'), { code: 'ERR_JWKS_NO_MATCHING_KEY' });
    };
  const decoder = new TextDecoder('utf-8', { fatal: true, ignoreBOM: false });
  return {
    format: 'jwt',
    looksLike: (token) => JWT_SHAPE.test(token),
    async verify(token, request) {
      if (token.length > MAX_TOKEN_LENGTH) return err({ reason: 'malformed', detail: 'too long' });
      if (!JWT_SHAPE.test(token)) return err({ reason: 'malformed', detail: 'not a compact JWS' });
      // One token string per signed message: jose accepts high-S ECDSA and stray base64url bits.
      const canonical = checkJwsCanonical(token);
      if (!canonical.ok) return canonical;
      let payload: Uint8Array;
      try {
        payload = (
          await compactVerify(token, keyAt(request.now * 1000), { algorithms: [...options.algorithms] })
        ).payload;
      } catch (error) {
        return err(failureOf(error));
      }
      try {
        return claimsFromJson(JSON.parse(decoder.decode(payload)));
      } catch {
        return err({ reason: 'malformed', detail: 'payload is not JSON' });
      }
    },
  };
}

function codeOf(error: unknown): string | undefined {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? code : undefined;
}

/** jose error codes → our reasons (match on code, never on message text). */
function failureOf(error: unknown) {
  switch (codeOf(error)) {
    case 'ERR_JWS_SIGNATURE_VERIFICATION_FAILED':
      return { reason: 'bad-signature' } as const;
    case 'ERR_JWKS_NO_MATCHING_KEY':
    case 'ERR_JWKS_MULTIPLE_MATCHING_KEYS':
      return { reason: 'unknown-key' } as const;
    case 'ERR_JOSE_ALG_NOT_ALLOWED':
      return { reason: 'alg-not-allowed', alg: 'not allowed' } as const;
    case 'ERR_JWKS_KEY_UNAVAILABLE':
      return { reason: 'key-unavailable', detail: codeOf(error) ?? '' } as const;
    case undefined:
      // An unexpected throw from key import or crypto: refused, still never a 500.
      return { reason: 'key-unavailable', detail: error instanceof Error ? error.name : 'unknown' } as const;
    default:
      return { reason: 'malformed', detail: codeOf(error) ?? '' } as const;
  }
}
