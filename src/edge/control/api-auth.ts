/**
 * Operator API authentication: `Authorization: Bearer <key>` → the calling key, its tenant and scopes.
 *
 * The bootstrap ADMIN_API_KEY and stored keys are compared as SHA-256 digests in constant time; a
 * stored key is looked up by its public id first (so an unknown key costs no secret comparison and a
 * known id reveals nothing through timing). Requests are rate-limited per key id before the store is
 * asked, so guessing secrets for one id is bounded too. Must not log a key's secret part.
 */
import type { MiddlewareHandler } from 'hono';
import { timingSafeEqual } from '../../core/auth/bytes.ts';
import { bearerToken } from '../../core/auth/sources.ts';
import { parseApiKey } from '../../core/control/api-key.ts';
import type { RateLimiter } from '../../core/control/rate-limit.ts';
import { type Caller, isScope, SCOPES } from '../../core/control/scopes.ts';
import { EdgeError } from '../errors.ts';
import type { ControlDeps, ControlHonoEnv } from './context.ts';

const digest = async (text: string) =>
  new Uint8Array(await crypto.subtle.digest('SHA-256', new TextEncoder().encode(text)));

/** Lower-case hex SHA-256 of a key secret: what api_keys.secret_sha256 holds. */
export async function secretDigestHex(secret: string): Promise<string> {
  return [...(await digest(secret))].map((b) => b.toString(16).padStart(2, '0')).join('');
}

/** @example api.use(authenticate(deps, limiter, ['/api/v1/sessions'])) */
export function authenticate(
  deps: ControlDeps,
  limiter: RateLimiter,
  publicPaths: readonly string[],
): MiddlewareHandler<ControlHonoEnv> {
  const admin = deps.config.adminApiKey === undefined ? undefined : digest(deps.config.adminApiKey);
  return async function authenticate(c, next) {
    if (publicPaths.includes(c.req.path)) return next();
    const presented = bearerToken(c.req.header('authorization'));
    if (!presented) throw new EdgeError('EDGE_ERR_API_UNAUTHORIZED', 'no API key');
    const parsed = parseApiKey(presented);
    // Stored keys are limited by their public id before the store is asked. Anything else is the admin
    // key or garbage: one digest decides which bucket, so garbage never drains the admin's.
    const isAdmin = !parsed && admin !== undefined && timingSafeEqual(await digest(presented), await admin);
    const bucket = parsed ? parsed.id : isAdmin ? 'admin' : 'unrecognised';
    const retryAfterS = limiter.take(bucket, deps.now());
    if (retryAfterS !== undefined)
      throw new EdgeError('EDGE_ERR_API_RATE_LIMITED', `key ${bucket} over its rate`, {
        detail: { retryAfterS },
      });
    const caller: Caller | undefined = parsed
      ? await storedKey(deps.db, parsed.id, parsed.secret)
      : isAdmin
        ? { keyId: 'admin', tenant: undefined, scopes: SCOPES }
        : undefined;
    if (!caller) throw new EdgeError('EDGE_ERR_API_UNAUTHORIZED', `key ${bucket} refused`);
    c.set('caller', caller);
    return next();
  };
}

interface KeyRow {
  readonly tenant_id: string | null;
  readonly secret_sha256: string;
  readonly scopes: string;
  readonly revoked_at: number | null;
}

async function storedKey(db: D1Database, id: string, secret: string): Promise<Caller | undefined> {
  const row = await db
    .prepare('SELECT tenant_id, secret_sha256, scopes, revoked_at FROM api_keys WHERE id = ?')
    .bind(id)
    .first<KeyRow>();
  const presented = new TextEncoder().encode(await secretDigestHex(secret));
  if (!row || row.revoked_at !== null) return undefined;
  if (!timingSafeEqual(presented, new TextEncoder().encode(row.secret_sha256))) return undefined;
  const scopes: unknown = JSON.parse(row.scopes);
  return {
    keyId: id,
    tenant: row.tenant_id ?? undefined,
    scopes: Array.isArray(scopes) ? scopes.filter(isScope) : [],
  };
}
