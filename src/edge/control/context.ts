/**
 * Shared pieces of the operator API: its hono environment, what its routes get from the adapter,
 * and the request helpers every route uses (scope checks, JSON bodies, ids, audited writes).
 * Must not read `env`: the D1 binding and config arrive in `ControlDeps`.
 */
import type { Context, Hono } from 'hono';
import { type Caller, deny, type Scope } from '../../core/control/scopes.ts';
import type { EdgeVariables } from '../context.ts';
import { EdgeError } from '../errors.ts';
import type { ControlConfig } from './config.ts';

export interface ControlDeps {
  readonly db: D1Database;
  readonly config: ControlConfig;
  /** Milliseconds since the epoch. */
  readonly now: () => number;
  /** Edge base for signed URLs when the request's own origin should not be used (tests, proxies). */
  readonly publicBase?: string;
  /** Query parameter viewer tokens travel in (AUTH_TOKEN_PARAM). */
  readonly tokenParam: string;
}

export interface ControlHonoEnv {
  Bindings: Record<string, never>;
  // The edge's variables too, so the edge's one error mapping (errors.ts) serves both apps.
  Variables: EdgeVariables & { caller: Caller };
}

export type ControlContext = Context<ControlHonoEnv>;

/** Throws 403 EDGE_ERR_API_FORBIDDEN unless the caller holds `scope` on `tenant`. */
export function authorize(c: ControlContext, scope: Scope, tenant: string | undefined): Caller {
  const caller = c.var.caller;
  const denial = deny(caller, scope, tenant);
  if (denial) throw new EdgeError('EDGE_ERR_API_FORBIDDEN', `${caller.keyId}: ${JSON.stringify(denial)}`);
  return caller;
}

/** Largest JSON body the API reads; rules and price tables are far smaller. */
const MAX_BODY_BYTES = 64 * 1024;

/** The request's JSON object body, or 400 EDGE_ERR_API_BAD_REQUEST. */
export async function jsonBody(c: ControlContext): Promise<Record<string, unknown>> {
  const text = await c.req.text();
  if (text.length > MAX_BODY_BYTES) throw badRequest([`body: at most ${MAX_BODY_BYTES} bytes`]);
  let value: unknown;
  try {
    value = text === '' ? {} : JSON.parse(text);
  } catch {
    throw badRequest(['body: expected JSON']);
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value))
    throw badRequest(['body: expected a JSON object']);
  return value as Record<string, unknown>;
}

export function badRequest(issues: readonly string[]): EdgeError {
  return new EdgeError('EDGE_ERR_API_BAD_REQUEST', issues.join('; '), { detail: { issues } });
}

export function notFound(what: string): EdgeError {
  return new EdgeError('EDGE_ERR_API_NOT_FOUND', `${what} not found`);
}

export function conflict(what: string): EdgeError {
  return new EdgeError('EDGE_ERR_API_CONFLICT', what, { detail: { issues: [what] } });
}

/** `n` random bytes as lower-case hex. */
export function randomHex(n: number): string {
  return [...crypto.getRandomValues(new Uint8Array(n))].map((b) => b.toString(16).padStart(2, '0')).join('');
}

const TENANT_ID = /^[a-z0-9][a-z0-9-]{0,62}$/;

/** A tenant id from the URL: lower-case letters, digits and dashes, or 400. */
export function tenantParam(c: ControlContext): string {
  const id = c.req.param('tenant') ?? '';
  if (!TENANT_ID.test(id)) throw badRequest(['tenant: expected [a-z0-9-], 1-63 characters']);
  return id;
}

export function isTenantId(value: unknown): value is string {
  return typeof value === 'string' && TENANT_ID.test(value);
}

/**
 * Runs `statements` and one audit row in one D1 batch (atomic: a change without its audit row, or an
 * audit row for a change that failed, cannot happen).
 */
export async function audited(
  deps: ControlDeps,
  caller: Caller,
  change: { action: string; tenant: string | undefined; resource: string; detail?: unknown },
  statements: readonly D1PreparedStatement[],
): Promise<D1Result[]> {
  const audit = deps.db
    .prepare(
      'INSERT INTO audit_log (ts, actor, action, tenant_id, resource, detail) VALUES (?, ?, ?, ?, ?, ?)',
    )
    .bind(
      Math.floor(deps.now() / 1000),
      caller.keyId,
      change.action,
      change.tenant ?? null,
      change.resource,
      change.detail === undefined ? null : JSON.stringify(change.detail),
    );
  return deps.db.batch([...statements, audit]);
}

/** 404 unless tenant `id` exists. */
export async function requireTenant(deps: ControlDeps, id: string): Promise<void> {
  const row = await deps.db.prepare('SELECT id FROM tenants WHERE id = ?').bind(id).first();
  if (!row) throw notFound(`tenant ${id}`);
}

export const nowS = (deps: ControlDeps): number => Math.floor(deps.now() / 1000);

/**
 * Registers `DELETE /tenants/:tenant/<path>?prefix=…` for a table keyed by (tenant_id, prefix):
 * 404 when absent, else one audited delete. Prefixes, geo rules and manifest policies share it.
 */
export function deleteByPrefix(
  api: Hono<ControlHonoEnv>,
  deps: ControlDeps,
  path: string,
  table: 'prefixes' | 'geo_rules' | 'manifest_policies',
): void {
  api.delete(`/tenants/:tenant/${path}`, async (c) => {
    const tenant = tenantParam(c);
    const caller = authorize(c, 'config:write', tenant);
    const prefix = c.req.query('prefix') ?? '';
    const where = `FROM ${table} WHERE tenant_id = ? AND prefix = ?`;
    if (!(await deps.db.prepare(`SELECT prefix ${where}`).bind(tenant, prefix).first()))
      throw notFound(`${path} ${prefix}`);
    await audited(deps, caller, { action: `${path}.delete`, tenant, resource: `${path}${prefix}` }, [
      deps.db.prepare(`DELETE ${where}`).bind(tenant, prefix),
    ]);
    return c.body(null, 204);
  });
}
