/**
 * Operator API scopes (issue 15): what an API key may do. Pure: no I/O.
 *
 * A key holds a list of scopes and, unless it is an operator key, one tenant. The bootstrap
 * ADMIN_API_KEY holds every scope for every tenant. A key can only hand out scopes it holds itself,
 * so no key can mint a stronger one.
 */
export const SCOPES = [
  'tenants:read',
  'tenants:write',
  'keys:write',
  'signing-keys:write',
  'config:read',
  'config:write',
  'tokens:mint',
  'revocations:write',
  'usage:read',
  'audit:read',
] as const;
export type Scope = (typeof SCOPES)[number];

/** Who is calling: the bootstrap admin, an operator key (every tenant) or a tenant's key. */
export interface Caller {
  /** API key id, or `admin` for the bootstrap key: the audit log's actor. */
  readonly keyId: string;
  /** undefined: every tenant. */
  readonly tenant: string | undefined;
  readonly scopes: readonly Scope[];
}

export function isScope(value: unknown): value is Scope {
  return typeof value === 'string' && (SCOPES as readonly string[]).includes(value);
}

/** Why a caller may not do something; mapped to 403 by the edge. */
export type Denial =
  | { readonly reason: 'missing-scope'; readonly scope: Scope }
  | { readonly reason: 'other-tenant'; readonly tenant: string }
  | { readonly reason: 'operator-only' };

/**
 * May `caller` use `scope` on `tenant` (undefined: an action on no single tenant, operator keys only)?
 *
 * @example allows({ keyId: 'k', tenant: 't1', scopes: ['tokens:mint'] }, 'tokens:mint', 't1') // undefined (allowed)
 */
export function deny(caller: Caller, scope: Scope, tenant: string | undefined): Denial | undefined {
  if (!caller.scopes.includes(scope)) return { reason: 'missing-scope', scope };
  if (caller.tenant === undefined) return undefined;
  if (tenant === undefined) return { reason: 'operator-only' };
  return caller.tenant === tenant ? undefined : { reason: 'other-tenant', tenant };
}

/**
 * Validates a requested scope list against what the granting caller holds.
 *
 * @example grantable(['tokens:mint'], caller) // { ok: true, value: ['tokens:mint'] } when caller holds it
 */
export function grantable(
  requested: unknown,
  caller: Caller,
): { readonly ok: true; readonly value: readonly Scope[] } | { readonly ok: false; readonly issue: string } {
  if (!Array.isArray(requested) || requested.length === 0)
    return { ok: false, issue: `scopes: expected a non-empty list of ${SCOPES.join(', ')}` };
  const out: Scope[] = [];
  for (const [i, s] of requested.entries()) {
    if (!isScope(s)) return { ok: false, issue: `scopes[${i}]: expected one of ${SCOPES.join(', ')}` };
    if (!caller.scopes.includes(s))
      return { ok: false, issue: `scopes[${i}]: "${s}" is not held by this key` };
    if (!out.includes(s)) out.push(s);
  }
  return { ok: true, value: out };
}
