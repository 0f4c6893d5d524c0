/**
 * The JWT verifier (jose) behind the core `TokenVerifier` interface. Keys come from an inline JWKS
 * (each key pinned to its `alg`) and/or a JWKS URL fetched and cached by jose: rotation by `kid`,
 * an unknown `kid` refetches at most once per cooldown. `none` and algorithm confusion are refused by
 * construction: only listed algorithms are accepted, and jose selects keys by `kty`/`alg`.
 * Only the signature is checked here; exp/nbf/iat/acl/ip are core's `checkClaims`.
 */
import {
  type CompactVerifyGetKey,
  compactVerify,
  createLocalJWKSet,
  createRemoteJWKSet,
  customFetch,
  importJWK,
  type JSONWebKeySet,
} from 'jose';
import { claimsFromJson } from '../../core/auth/claims.ts';
import type { JwtAlg } from '../../core/auth/jwt-sign.ts';
import { MAX_TOKEN_LENGTH, type TokenVerifier } from '../../core/auth/types.ts';
import { err } from '../../core/result.ts';

export interface JwtVerifierOptions {
  readonly jwks?: JSONWebKeySet;
  readonly jwksUrl?: string;
  /** Accepted algorithms: the inline keys' pinned algs plus the ones allowed for URL keys. */
  readonly algorithms: readonly JwtAlg[];
  /** Minimum seconds between JWKS refetches triggered by an unknown kid. */
  readonly refreshS: number;
  /** Seconds a fetched JWKS is trusted before a refetch. */
  readonly cacheMaxAgeS: number;
  readonly fetch?: typeof fetch;
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
  const fetchImpl = options.fetch;
  const remote = options.jwksUrl
    ? createRemoteJWKSet(new URL(options.jwksUrl), {
        cooldownDuration: options.refreshS * 1000,
        cacheMaxAge: options.cacheMaxAgeS * 1000,
        ...(fetchImpl ? { [customFetch]: (url: string, init: RequestInit) => fetchImpl(url, init) } : {}),
      })
    : undefined;
  const getKey: CompactVerifyGetKey = async (header, token) => {
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
    if (remote) return remote(header, token);
    throw Object.assign(new Error('no key source'), { code: 'ERR_JWKS_NO_MATCHING_KEY' });
  };
  const decoder = new TextDecoder('utf-8', { fatal: true, ignoreBOM: false });
  return {
    format: 'jwt',
    looksLike: (token) => JWT_SHAPE.test(token),
    async verify(token) {
      if (token.length > MAX_TOKEN_LENGTH) return err({ reason: 'malformed', detail: 'too long' });
      if (!JWT_SHAPE.test(token)) return err({ reason: 'malformed', detail: 'not a compact JWS' });
      let payload: Uint8Array;
      try {
        payload = (await compactVerify(token, getKey, { algorithms: [...options.algorithms] })).payload;
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
    case 'ERR_JWKS_TIMEOUT':
    case 'ERR_JWKS_INVALID':
      return { reason: 'key-unavailable', detail: codeOf(error) ?? '' } as const;
    case undefined:
      // fetch() of the JWKS URL failed (TypeError) or similar: infrastructure, still never a 500.
      return { reason: 'key-unavailable', detail: error instanceof Error ? error.name : 'unknown' } as const;
    default:
      return { reason: 'malformed', detail: codeOf(error) ?? '' } as const;
  }
}
