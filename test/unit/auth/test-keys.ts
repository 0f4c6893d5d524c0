/**
 * Test key material made with Web Crypto at test time (no keys in the repo), and the fixed request the
 * auth unit tests verify against. Test helper: no assertions.
 */
import type { JwtAlg, JwtSigningKey } from '../../../src/core/auth/jwt-sign.ts';

export interface TestKeyPair {
  readonly signing: JwtSigningKey;
  /** Public JWK with kid and alg (what goes into AUTH_JWKS). */
  readonly publicJwk: Record<string, unknown>;
}

const GEN: Record<JwtAlg, { params: Record<string, unknown> }> = {
  ES256: { params: { name: 'ECDSA', namedCurve: 'P-256' } },
  RS256: {
    params: {
      name: 'RSASSA-PKCS1-v1_5',
      modulusLength: 2048,
      publicExponent: new Uint8Array([1, 0, 1]),
      hash: 'SHA-256',
    },
  },
  EdDSA: { params: { name: 'Ed25519' } },
  HS256: { params: { name: 'HMAC', hash: 'SHA-256', length: 256 } },
};

/** A fresh key of `alg` with `kid`. */
export async function makeKey(alg: JwtAlg, kid: string): Promise<TestKeyPair> {
  const generated = (await crypto.subtle.generateKey(
    GEN[alg].params as unknown as AlgorithmIdentifier,
    true,
    ['sign', 'verify'],
  )) as CryptoKeyPair | CryptoKey;
  if ('privateKey' in generated) {
    const priv = (await crypto.subtle.exportKey('jwk', generated.privateKey)) as Record<string, unknown>;
    const pub = (await crypto.subtle.exportKey('jwk', generated.publicKey)) as Record<string, unknown>;
    delete pub.key_ops;
    delete pub.ext;
    return { signing: { alg, kid, jwk: priv }, publicJwk: { ...pub, kid, alg } };
  }
  const secret = (await crypto.subtle.exportKey('jwk', generated)) as Record<string, unknown>;
  delete secret.key_ops;
  delete secret.ext;
  return { signing: { alg, kid, jwk: secret }, publicJwk: { ...secret, kid, alg } };
}

/** A fixed clock (seconds) and the request facts the auth unit tests verify against. */
export const NOW = 1_800_000_000;
export const REQ = {
  path: '/vod/ts/a.ts',
  url: 'https://e.example/vod/ts/a.ts',
  clientIp: '198.51.100.4',
  now: NOW,
} as const;

/** `{"keys":[…]}` text for AUTH_JWKS. */
export function jwksText(...keys: TestKeyPair[]): string {
  return JSON.stringify({ keys: keys.map((k) => k.publicJwk) });
}
