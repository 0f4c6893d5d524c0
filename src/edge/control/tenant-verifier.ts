/**
 * The viewer path's JWT verifier with tenant keys (issue 15): a token whose `kid` is a tenant key
 * (from the runtime copy of the store) is verified with it and opens only paths that tenant owns;
 * any other JWT goes to the wrangler.toml verifier as before. Both are checked against revocations
 * (a tenant's own, and operator-wide ones). Access tokens (`use: "access"`) open no content.
 * Must not query the store: it reads the copy `runtime.latest()` that the request already refreshed.
 */
import { fromBase64UrlStrict, utf8Decode } from '../../core/auth/bytes.ts';
import { claimsFromJson } from '../../core/auth/claims.ts';
import type { TokenVerifier } from '../../core/auth/types.ts';
import { ACCESS_USE } from '../../core/control/mint.ts';
import { err } from '../../core/result.ts';
import type { ScopedVerifier } from '../auth/verifiers.ts';
import type { ControlRuntime } from './runtime.ts';
import { type KeyImports, verifyTenantJwt } from './tenant-jwt.ts';

const JWT_SHAPE = /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*$/;

const str = (v: unknown) => (typeof v === 'string' ? v : undefined);

/**
 * Token ids a revocation can name, read from an already verified payload; `ajti` is the access
 * token a session token was exchanged from.
 */
function idsOf(payload: Record<string, unknown>) {
  const ids: { jti?: string; sid?: string; sub?: string; ajti?: string } = {};
  for (const k of ['jti', 'sid', 'sub', 'ajti'] as const) {
    const v = str(payload[k]);
    if (v !== undefined) ids[k] = v;
  }
  return ids;
}

/**
 * The payload of a token the wrangler.toml verifier has just accepted: by then it is a canonical
 * compact JWS whose payload is UTF-8 JSON (jwt-verifier.ts checked all three), so this reads what
 * jose's `decodeJwt` would, without bundling it.
 */
function verifiedPayload(token: string): Record<string, unknown> {
  const bytes = fromBase64UrlStrict(token.split('.')[1] ?? '');
  const json: unknown = JSON.parse((bytes && utf8Decode(bytes)) ?? 'null');
  return typeof json === 'object' && json !== null ? (json as Record<string, unknown>) : {};
}

/** @example createTenantVerifier(runtime, staticJwtVerifier) */
export function createTenantVerifier(
  runtime: ControlRuntime,
  fallback: TokenVerifier | undefined,
): TokenVerifier {
  const imports: KeyImports = new Map();
  return {
    format: 'jwt',
    looksLike: (token) => JWT_SHAPE.test(token),
    async verify(token, request) {
      const snapshot = runtime.latest();
      if (snapshot) {
        const tenant = await verifyTenantJwt(token, (kid) => snapshot.keyFor(kid), imports);
        if (tenant.ok) {
          const { key, payload } = tenant.value;
          if (snapshot.ownerOf(request.path) !== key.tenant)
            return err({ reason: 'acl', path: request.path });
          if (payload.use === ACCESS_USE)
            return err({ reason: 'malformed', detail: 'an access token opens no content' });
          const by = snapshot.revokedBy(key.tenant, idsOf(payload), request.now);
          if (by) return err({ reason: 'revoked', by });
          return claimsFromJson(payload);
        }
        if (tenant.error.reason === 'bad-signature') return err({ reason: 'bad-signature' });
        if (tenant.error.reason === 'malformed')
          return err({ reason: 'malformed', detail: tenant.error.detail });
      }
      if (!fallback) return err({ reason: 'unknown-key' });
      const verified = await fallback.verify(token, request);
      if (!verified.ok || !snapshot) return verified;
      // Verified by a wrangler.toml key: only operator-wide revocations can name it.
      const by = snapshot.revokedBy(undefined, idsOf(verifiedPayload(token)), request.now);
      return by ? err({ reason: 'revoked', by }) : verified;
    },
  };
}

/**
 * The edge's verifiers with the tenant verifier in the JWT slot (prefix `/`), wrapping the
 * wrangler.toml JWT verifier when there is one; the other formats are unchanged.
 */
export function withTenantKeys(
  verifiers: readonly ScopedVerifier[],
  runtime: ControlRuntime,
): readonly ScopedVerifier[] {
  const jwt = verifiers.find((v) => v.prefix === '/' && v.verifier.format === 'jwt');
  const tenant: ScopedVerifier = {
    prefix: '/',
    verifier: createTenantVerifier(runtime, jwt?.verifier),
    nativeParams: [],
    native: () => undefined,
  };
  return [tenant, ...verifiers.filter((v) => v !== jwt)];
}
