/**
 * Operator API authentication: `Authorization: Bearer <key>` → the calling key, its tenant and scopes.
 *
 * The bootstrap ADMIN_API_KEY and stored keys are compared as SHA-256 digests in constant time; a
 * stored key is looked up by its public id first (so an unknown key costs no secret comparison and a
 * known id reveals nothing through timing). Two limits: failed authentications per client IP, checked
 * before the store is asked (so random well-formed key ids cannot buy unbounded D1 reads, nor a bucket
 * each), and requests per key id once the id exists (so guessing secrets for one id is bounded too).
 * Must not log a key's secret part.
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
    const isAdmin = !parsed && admin !== undefined && timingSafeEqual(await digest(presented), await admin);
    const client = `client:${c.req.header('cf-connecting-ip') ?? 'unknown'}`;
    const limit = (bucket: string, retryAfterS: number | undefined) => {
      if (retryAfterS !== undefined)
        throw new EdgeError('EDGE_ERR_API_RATE_LIMITED', `${bucket} over its rate`, {
          detail: { retryAfterS },
        });
    };
    // A client that keeps failing is stopped before the store is asked; the admin key never is.
    if (!isAdmin) limit(client, limiter.peek(client, deps.now()));
    let caller: Caller | undefined;
    if (isAdmin) {
      limit('key admin', limiter.take('admin', deps.now()));
      caller = { keyId: 'admin', tenant: undefined, scopes: SCOPES };
    } else if (parsed) {
      const row = await keyRow(deps.db, parsed.id);
      // Only an id that exists gets a bucket; its requests are limited before the secret is compared.
      if (row) limit(`key ${parsed.id}`, limiter.take(parsed.id, deps.now()));
      caller = row ? await storedKey(row, parsed.id, parsed.secret) : undefined;
    }
    if (!caller) {
      limiter.take(client, deps.now());
      throw new EdgeError('EDGE_ERR_API_UNAUTHORIZED', `key ${parsed ? parsed.id : 'unrecognised'} refused`);
    }
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

function keyRow(db: D1Database, id: string): Promise<KeyRow | null> {
  return db
    .prepare('SELECT tenant_id, secret_sha256, scopes, revoked_at FROM api_keys WHERE id = ?')
    .bind(id)
    .first<KeyRow>();
}

async function storedKey(row: KeyRow, id: string, secret: string): Promise<Caller | undefined> {
  const presented = new TextEncoder().encode(await secretDigestHex(secret));
  if (row.revoked_at !== null) return undefined;
  if (!timingSafeEqual(presented, new TextEncoder().encode(row.secret_sha256))) return undefined;
  const scopes: unknown = JSON.parse(row.scopes);
  return {
    keyId: id,
    tenant: row.tenant_id ?? undefined,
    scopes: Array.isArray(scopes) ? scopes.filter(isScope) : [],
  };
}
