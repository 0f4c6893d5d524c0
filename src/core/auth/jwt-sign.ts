/**
 * JWT (JWS compact) signing with Web Crypto, for operators' backends and the sign CLI. Pure apart from
 * the `subtle` it is handed. Verification lives at the edge (src/edge/auth, jose); this module only
 * produces tokens that jose accepts (RFC 7515 §7.1, RFC 7518 §3 signature encodings).
 */
import { toBase64Url, utf8 } from './bytes.ts';
import { toLowS } from './jws-canonical.ts';
import { type AlgorithmParams, importKey, type SubtleLike } from './subtle.ts';

export const JWT_ALGS = ['ES256', 'RS256', 'EdDSA', 'HS256'] as const;
export type JwtAlg = (typeof JWT_ALGS)[number];

/** A private (or, for HS256, secret) JWK and the one algorithm it is pinned to. */
export interface JwtSigningKey {
  readonly alg: JwtAlg;
  readonly kid?: string;
  readonly jwk: Readonly<Record<string, unknown>>;
}

/** Web Crypto import and sign parameters per JWS alg. */
export function webCryptoParams(alg: JwtAlg): {
  readonly importAs: AlgorithmParams;
  readonly sign: AlgorithmParams;
} {
  switch (alg) {
    case 'ES256':
      return { importAs: { name: 'ECDSA', namedCurve: 'P-256' }, sign: { name: 'ECDSA', hash: 'SHA-256' } };
    case 'RS256': {
      const p = { name: 'RSASSA-PKCS1-v1_5', hash: 'SHA-256' };
      return { importAs: p, sign: p };
    }
    case 'EdDSA':
      return { importAs: { name: 'Ed25519' }, sign: { name: 'Ed25519' } };
    case 'HS256': {
      const p = { name: 'HMAC', hash: 'SHA-256' };
      return { importAs: p, sign: p };
    }
    default: {
      const unreachable: never = alg;
      return unreachable;
    }
  }
}

/**
 * @example await signJwt(crypto.subtle, { alg: 'ES256', kid: 'k1', jwk }, { exp, acl: ['/vod/'] })
 */
export async function signJwt(
  subtle: SubtleLike,
  key: JwtSigningKey,
  claims: Readonly<Record<string, unknown>>,
): Promise<string> {
  const params = webCryptoParams(key.alg);
  // Web Crypto checks jwk.alg/use/key_ops against its own names; the pinned alg is ours to enforce.
  const { alg: _alg, use: _use, key_ops: _ops, ...rest } = key.jwk;
  const jwk = { ...rest, kty: String(rest.kty) };
  const cryptoKey = await importKey(subtle, 'jwk', jwk, params.importAs, ['sign']);
  const header = { alg: key.alg, typ: 'JWT', ...(key.kid !== undefined ? { kid: key.kid } : {}) };
  const input = `${toBase64Url(utf8(JSON.stringify(header)))}.${toBase64Url(utf8(JSON.stringify(claims)))}`;
  // The edge refuses high-S ECDSA (jws-canonical.ts); Web Crypto draws either half, so fold it low.
  const signature = toLowS(key.alg, new Uint8Array(await subtle.sign(params.sign, cryptoKey, utf8(input))));
  return `${input}.${toBase64Url(signature)}`;
}
