/**
 * Operator API: minting (what a player backend calls), session exchange, revocations and the audit
 * log (issue 15). Tokens are JWTs signed with the tenant's active key (core `signJwt`), carrying a
 * random `jti` so one token can be revoked. Minting changes nothing in the store, so it writes no
 * audit row (a D1 write per playback start would make the audit log the ledger).
 */
import type { Hono } from 'hono';
import { signJwt } from '../../core/auth/jwt-sign.ts';
import { PATH_TOKEN_PREFIX } from '../../core/auth/signer.ts';
import { bearerToken } from '../../core/auth/sources.ts';
import {
  ACCESS_MAX_TTL_S,
  ACCESS_USE,
  type MintedClaims,
  planMint,
  planSession,
} from '../../core/control/mint.ts';
import type { RateLimiter } from '../../core/control/rate-limit.ts';
import { REVOCATION_KINDS, type RevocationKind } from '../../core/control/revocation.ts';
import { EdgeError } from '../errors.ts';
import type { ControlContext, ControlDeps, ControlHonoEnv } from './context.ts';
import {
  audited,
  authorize,
  badRequest,
  isTenantId,
  jsonBody,
  notFound,
  nowS,
  randomHex,
} from './context.ts';
import { openJwk } from './key-vault.ts';
import { type KeyImports, kidOf, type TenantKey, verifyTenantJwt } from './tenant-jwt.ts';

export const SESSIONS_PATH = '/api/v1/sessions';

interface SigningRow {
  readonly kid: string;
  readonly alg: 'ES256' | 'EdDSA';
  readonly private_jwk: string;
}

/** A claim as a revocation value; '\n' (never stored) when absent. */
const idOf = (v: unknown) => (typeof v === 'string' ? v : '\n');
// biome-ignore lint/suspicious/noControlCharactersInRegex: matching control characters is the point.
const CONTROL_CHARACTER = /[\u0000-\u001f\u007f]/;

/** The tenant of a request: the key's own, or (operator keys) the body's `tenant`. */
function tenantOf(c: ControlContext, body: Record<string, unknown>): string {
  const own = c.var.caller.tenant;
  if (own !== undefined) return own;
  if (!isTenantId(body.tenant)) throw badRequest(['tenant: required for operator keys']);
  return body.tenant;
}

/** Registers /tokens, /sessions, /revocations and /audit. */
export function tokenRoutes(api: Hono<ControlHonoEnv>, deps: ControlDeps, limiter: RateLimiter): void {
  const { db } = deps;
  const imports: KeyImports = new Map();

  const signAndLink = async (
    c: ControlContext,
    tenant: string,
    claims: MintedClaims,
    path: string,
    form: 'query' | 'path',
  ) => {
    const key = await db
      .prepare("SELECT kid, alg, private_jwk FROM signing_keys WHERE tenant_id = ? AND state = 'active'")
      .bind(tenant)
      .first<SigningRow>();
    if (!key)
      throw new EdgeError('EDGE_ERR_API_CONFLICT', `tenant ${tenant} has no active signing key`, {
        detail: { issues: ['tenant has no active signing key: POST /tenants/:tenant/signing-keys'] },
      });
    const token = await signJwt(
      crypto.subtle,
      { alg: key.alg, kid: key.kid, jwk: await openJwk(deps.config.keySecret, key.private_jwk) },
      claims,
    );
    const base = deps.publicBase ?? new URL(c.req.url).origin;
    const url =
      form === 'path'
        ? `${base}${PATH_TOKEN_PREFIX}${token}${path}`
        : `${base}${path}?${deps.tokenParam}=${encodeURIComponent(token)}`;
    return {
      token,
      url,
      kid: key.kid,
      jti: claims.jti,
      exp: claims.exp,
      ...(claims.sid ? { sid: claims.sid } : {}),
    };
  };

  api.post('/tokens', async (c) => {
    const body = await jsonBody(c);
    const tenant = tenantOf(c, body);
    authorize(c, 'tokens:mint', tenant);
    const owned = await db
      .prepare('SELECT prefix FROM prefixes WHERE tenant_id = ?')
      .bind(tenant)
      .all<{ prefix: string }>();
    if (owned.results.length === 0) throw notFound(`prefixes of tenant ${tenant}`);
    const plan = planMint(body, {
      owned: owned.results.map((r) => r.prefix),
      nowS: nowS(deps),
      jti: randomHex(16),
    });
    if (!plan.ok) throw badRequest(plan.error);
    return c.json(await signAndLink(c, tenant, plan.value.claims, plan.value.path, plan.value.in), 201);
  });

  // The access token is the credential here (no API key): a player exchanges it directly.
  api.post('/sessions', async (c) => {
    const access = bearerToken(c.req.header('authorization'));
    if (!access) throw new EdgeError('EDGE_ERR_API_UNAUTHORIZED', 'no access token');
    const retryAfterS = limiter.take(`session:${c.req.header('cf-connecting-ip') ?? 'unknown'}`, deps.now());
    if (retryAfterS !== undefined)
      throw new EdgeError('EDGE_ERR_API_RATE_LIMITED', 'sessions over rate', { detail: { retryAfterS } });
    const keyRow = async (kid: string) =>
      db
        .prepare('SELECT kid, tenant_id AS tenant, alg, state, public_jwk FROM signing_keys WHERE kid = ?')
        .bind(kid)
        .first<{
          kid: string;
          tenant: string;
          alg: TenantKey['alg'];
          state: TenantKey['state'];
          public_jwk: string;
        }>();
    const kid = kidOf(access);
    const row = kid === undefined ? null : await keyRow(kid);
    const stored: TenantKey | undefined = row
      ? {
          kid: row.kid,
          tenant: row.tenant,
          alg: row.alg,
          state: row.state,
          publicJwk: JSON.parse(row.public_jwk),
        }
      : undefined;
    const verified = await verifyTenantJwt(access, () => stored, imports);
    const now = nowS(deps);
    if (!verified.ok)
      throw new EdgeError('EDGE_ERR_API_UNAUTHORIZED', `access token refused: ${verified.error.reason}`);
    const { key, payload } = verified.value;
    const exp = typeof payload.exp === 'number' ? payload.exp : 0;
    if (payload.use !== ACCESS_USE || exp <= now)
      throw new EdgeError('EDGE_ERR_API_UNAUTHORIZED', 'not a live access token');
    const revoked = await db
      .prepare(
        "SELECT kind FROM revocations WHERE tenant_id IN ('', ?) AND until > ? AND ((kind = 'jti' AND value = ?) OR (kind = 'sid' AND value = ?) OR (kind = 'sub' AND value = ?)) LIMIT 1",
      )
      // '\n' never matches: revocation values are visible characters.
      .bind(key.tenant, now, idOf(payload.jti), idOf(payload.sid), idOf(payload.sub))
      .first();
    if (revoked) throw new EdgeError('EDGE_ERR_API_UNAUTHORIZED', 'access token revoked');
    const body = await jsonBody(c);
    const session = planSession(
      {
        exp,
        ...(typeof payload.jti === 'string' ? { jti: payload.jti } : {}),
        ...(Array.isArray(payload.acl)
          ? { acl: payload.acl.filter((a): a is string => typeof a === 'string') }
          : {}),
        ...(typeof payload.sub === 'string' ? { sub: payload.sub } : {}),
        ...(typeof payload.ip === 'string' ? { ip: payload.ip } : {}),
        ...(typeof payload.geo === 'object' && payload.geo !== null
          ? { geo: payload.geo as MintedClaims['geo'] }
          : {}),
      },
      { nowS: now, jti: randomHex(16), sid: randomHex(16), ttl: body.ttl },
    );
    if (!session.ok) throw badRequest(session.error);
    const path =
      typeof body.path === 'string' && body.path.startsWith('/') ? body.path : (session.value.acl[0] ?? '/');
    return c.json(
      await signAndLink(
        c,
        key.tenant,
        session.value,
        path.replace(/\*.*$/, ''),
        body.in === 'path' ? 'path' : 'query',
      ),
      201,
    );
  });

  api.post('/revocations', async (c) => {
    const body = await jsonBody(c);
    // Operator keys may revoke for every tenant by leaving `tenant` out.
    const tenant = c.var.caller.tenant ?? (body.tenant === undefined ? undefined : tenantOf(c, body));
    const caller = authorize(c, 'revocations:write', tenant);
    const kinds = REVOCATION_KINDS.filter((k) => body[k] !== undefined);
    const kind: RevocationKind | undefined = kinds.length === 1 ? kinds[0] : undefined;
    const value = kind === undefined ? undefined : body[kind];
    // No control characters: the revocation lookup uses '\n' for "claim absent", so a stored '\n'
    // would revoke every token without that claim; none is a real jti, sid or sub anyway.
    if (
      kind === undefined ||
      typeof value !== 'string' ||
      value === '' ||
      value.length > 256 ||
      CONTROL_CHARACTER.test(value)
    )
      throw badRequest([
        'expected exactly one of jti, sid or sub: a string of 1-256 characters, no control characters',
      ]);
    const now = nowS(deps);
    // Default: outlive any token it could hit (the longest lifetime a token can be minted with).
    const until = body.until ?? now + ACCESS_MAX_TTL_S;
    if (typeof until !== 'number' || !Number.isInteger(until) || until <= now)
      throw badRequest(['until: expected whole seconds since the epoch, in the future']);
    await audited(
      deps,
      caller,
      { action: 'revocation.add', tenant, resource: `revocations/${kind}`, detail: { [kind]: value, until } },
      [
        db
          .prepare(
            'INSERT INTO revocations (tenant_id, kind, value, until, created_at) VALUES (?, ?, ?, ?, ?) ON CONFLICT (tenant_id, kind, value) DO UPDATE SET until = max(until, excluded.until)',
          )
          .bind(tenant ?? '', kind, value, until, now),
      ],
    );
    return c.json({ tenant: tenant ?? null, kind, value, until }, 201);
  });

  api.get('/revocations', async (c) => {
    const tenant = c.var.caller.tenant ?? c.req.query('tenant') ?? '';
    authorize(c, 'revocations:write', tenant === '' ? undefined : tenant);
    const rows = await db
      .prepare(
        'SELECT tenant_id AS tenant, kind, value, until, created_at FROM revocations WHERE tenant_id = ? AND until > ? ORDER BY created_at',
      )
      .bind(tenant, nowS(deps))
      .all();
    return c.json({ revocations: rows.results });
  });

  api.get('/audit', async (c) => {
    const tenant = c.var.caller.tenant ?? c.req.query('tenant');
    authorize(c, 'audit:read', tenant);
    const limit = Math.min(1000, Math.max(1, Number(c.req.query('limit') ?? 100) || 100));
    const rows = await (tenant === undefined
      ? db.prepare('SELECT * FROM audit_log ORDER BY id DESC LIMIT ?').bind(limit)
      : db.prepare('SELECT * FROM audit_log WHERE tenant_id = ? ORDER BY id DESC LIMIT ?').bind(tenant, limit)
    ).all<{ detail: string | null }>();
    return c.json({
      audit: rows.results.map((r) => ({ ...r, detail: r.detail === null ? null : JSON.parse(r.detail) })),
    });
  });
}
