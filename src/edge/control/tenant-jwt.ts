/**
 * Tenant signing keys at the edge: generating a key pair, and verifying a JWT signed by a tenant key
 * (jose, algorithm pinned to the key). Used by the operator API (sessions) and the viewer path's
 * tenant verifier. Must not decide on claims other than the signature and the key's tenant.
 */
import { compactVerify, decodeProtectedHeader, importJWK } from 'jose';
import { checkJwsCanonical } from '../../core/auth/jws-canonical.ts';
import type { JwtAlg } from '../../core/auth/jwt-sign.ts';
import { MAX_TOKEN_LENGTH } from '../../core/auth/types.ts';
import { err, ok, type Result } from '../../core/result.ts';

/** A tenant's public verification key as the snapshot and the API hold it. */
export interface TenantKey {
  readonly kid: string;
  readonly tenant: string;
  readonly alg: JwtAlg;
  readonly state: 'next' | 'active' | 'retired';
  readonly publicJwk: Readonly<Record<string, unknown>>;
}

/** Algorithms tenant keys may use: asymmetric only, so the store never holds a shared viewer secret. */
export const TENANT_KEY_ALGS = ['ES256', 'EdDSA'] as const;
export type TenantKeyAlg = (typeof TENANT_KEY_ALGS)[number];

const GENERATE: Record<TenantKeyAlg, { name: string; namedCurve?: string }> = {
  ES256: { name: 'ECDSA', namedCurve: 'P-256' },
  EdDSA: { name: 'Ed25519' },
};

/** A fresh key pair as JWKs (private for signing at mint, public for the edge and /jwks.json). */
export async function generateTenantKey(
  alg: TenantKeyAlg,
  kid: string,
): Promise<{ privateJwk: JsonWebKey; publicJwk: Record<string, unknown> }> {
  const pair = (await crypto.subtle.generateKey(GENERATE[alg], true, ['sign', 'verify'])) as CryptoKeyPair;
  const privateJwk = (await crypto.subtle.exportKey('jwk', pair.privateKey)) as JsonWebKey;
  const {
    key_ops: _ops,
    ext: _ext,
    ...pub
  } = (await crypto.subtle.exportKey('jwk', pair.publicKey)) as JsonWebKey;
  return { privateJwk, publicJwk: { ...pub, kid, alg, use: 'sig' } };
}

export type TenantJwtFailure =
  | { readonly reason: 'not-a-tenant-key' }
  | { readonly reason: 'bad-signature'; readonly kid: string }
  | { readonly reason: 'malformed'; readonly detail: string };

/** The `kid` in a compact JWS header, if it has one (signature not checked). */
export function kidOf(token: string): string | undefined {
  try {
    return decodeProtectedHeader(token).kid;
  } catch {
    return undefined;
  }
}

/** Imported keys per kid; per isolate (keys are immutable once stored, so never stale). */
export type KeyImports = Map<string, ReturnType<typeof importJWK>>;

/**
 * Verifies `token` when its `kid` names a tenant key; `not-a-tenant-key` lets the caller fall back to
 * the wrangler.toml keys. Same gates as the wrangler.toml verifier before jose: the length cap, and
 * one token string per signed message (jose accepts high-S ECDSA and stray base64url bits).
 */
export async function verifyTenantJwt(
  token: string,
  keyFor: (kid: string) => TenantKey | undefined,
  imports: KeyImports,
): Promise<Result<{ key: TenantKey; payload: Record<string, unknown> }, TenantJwtFailure>> {
  if (token.length > MAX_TOKEN_LENGTH) return err({ reason: 'malformed', detail: 'too long' });
  const kid = kidOf(token);
  const key = kid === undefined ? undefined : keyFor(kid);
  if (!key) return err({ reason: 'not-a-tenant-key' });
  const canonical = checkJwsCanonical(token);
  if (!canonical.ok)
    return canonical.error.reason === 'malformed'
      ? err(canonical.error)
      : err({ reason: 'bad-signature', kid: key.kid });
  let imported = imports.get(key.kid);
  if (!imported) {
    imported = importJWK({ ...key.publicJwk }, key.alg);
    imports.set(key.kid, imported);
  }
  let payload: Uint8Array;
  try {
    payload = (await compactVerify(token, await imported, { algorithms: [key.alg] })).payload;
  } catch {
    return err({ reason: 'bad-signature', kid: key.kid });
  }
  try {
    const json: unknown = JSON.parse(new TextDecoder().decode(payload));
    if (typeof json !== 'object' || json === null || Array.isArray(json))
      return err({ reason: 'malformed', detail: 'payload is not an object' });
    return ok({ key, payload: json as Record<string, unknown> });
  } catch {
    return err({ reason: 'malformed', detail: 'payload is not JSON' });
  }
}
