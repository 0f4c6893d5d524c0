/**
 * Token revocation matching (issue 15): by token id (`jti`), session (`sid`) or viewer (`sub`). Pure.
 *
 * A revocation names a tenant ('' for every tenant, operator keys only) and lives until `until`
 * (seconds); afterwards the tokens it could hit have expired and the row is ignored. The index is
 * built once per loaded snapshot, so a check is three map lookups per request.
 */
export const REVOCATION_KINDS = ['jti', 'sid', 'sub'] as const;
export type RevocationKind = (typeof REVOCATION_KINDS)[number];

export interface Revocation {
  /** '' = every tenant. */
  readonly tenant: string;
  readonly kind: RevocationKind;
  readonly value: string;
  /** Seconds since the epoch. */
  readonly until: number;
}

export type RevocationIndex = ReadonlyMap<string, number>;

const keyOf = (tenant: string, kind: RevocationKind, value: string) => `${tenant}\n${kind}\n${value}`;

/** @example buildRevocationIndex([{ tenant: 't1', kind: 'sid', value: 's1', until: 2e9 }]) */
export function buildRevocationIndex(rows: readonly Revocation[]): RevocationIndex {
  const index = new Map<string, number>();
  for (const r of rows) {
    const k = keyOf(r.tenant, r.kind, r.value);
    index.set(k, Math.max(index.get(k) ?? 0, r.until));
  }
  return index;
}

/**
 * Which claim of a token is revoked for `tenant` (undefined: a token of no tenant), if any. A session
 * token's `ajti` (the jti of the access token it was exchanged from) is matched as a `jti`, so
 * revoking an access token also stops the sessions made from it.
 *
 * @example revokedBy(index, 't1', { sid: 's1' }, nowS) // 'sid'
 */
export function revokedBy(
  index: RevocationIndex,
  tenant: string | undefined,
  claims: {
    readonly jti?: string | undefined;
    readonly sid?: string | undefined;
    readonly sub?: string | undefined;
    readonly ajti?: string | undefined;
  },
  nowS: number,
): RevocationKind | undefined {
  if (index.size === 0) return undefined;
  const checks: [RevocationKind, string | undefined][] = [
    ...REVOCATION_KINDS.map((kind): [RevocationKind, string | undefined] => [kind, claims[kind]]),
    ['jti', claims.ajti],
  ];
  for (const [kind, value] of checks) {
    if (value === undefined) continue;
    for (const t of tenant === undefined ? [''] : ['', tenant]) {
      const until = index.get(keyOf(t, kind, value));
      if (until !== undefined && nowS < until) return kind;
    }
  }
  return undefined;
}
