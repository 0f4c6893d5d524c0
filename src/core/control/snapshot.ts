/**
 * A loaded copy of the control store for the viewer path (issue 15): tenant keys by kid, prefix
 * owners, geo rules and manifest policies per tenant prefix, and the live revocations, indexed once
 * per load so every request is a few map lookups. Pure: data in, lookups out; loading and staleness
 * live in src/edge/control/runtime.ts.
 *
 * Rules and policies count only inside prefixes their tenant still owns: removing a prefix retires
 * the rules written for it at the next load.
 */
import type { GeoRule } from '../geo/rules.ts';
import type { PolicyTable } from '../hls/policy.ts';
import { buildRevocationIndex, type Revocation, type RevocationKind, revokedBy } from './revocation.ts';
import { longestPrefix, type OwnedPrefix, ownerOf } from './tenancy.ts';

export interface SnapshotKey {
  readonly kid: string;
  readonly tenant: string;
  readonly alg: 'ES256' | 'EdDSA';
  readonly state: 'next' | 'active' | 'retired';
  readonly publicJwk: Readonly<Record<string, unknown>>;
}

export interface SnapshotParts {
  /** Milliseconds since the epoch when the store was read. */
  readonly loadedAt: number;
  readonly prefixes: readonly OwnedPrefix[];
  readonly keys: readonly SnapshotKey[];
  readonly geoRules: readonly { readonly tenant: string; readonly rules: readonly GeoRule[] }[];
  readonly policies: readonly {
    readonly tenant: string;
    readonly prefix: string;
    readonly table: PolicyTable;
  }[];
  readonly revocations: readonly Revocation[];
  /** wrangler.toml GEO_RULES: they keep applying; a tenant rule wins on an equal prefix. */
  readonly staticGeoRules: readonly GeoRule[];
}

export interface ControlSnapshot {
  readonly loadedAt: number;
  keyFor(kid: string): SnapshotKey | undefined;
  /** The tenant owning `path`, if any. */
  ownerOf(path: string): string | undefined;
  /** Tenant rules followed by wrangler.toml rules (ruleFor takes the longest prefix, first on ties). */
  readonly geoRules: readonly GeoRule[];
  /** The manifest policies of the longest tenant prefix covering `path`, if any. */
  policiesFor(path: string): PolicyTable | undefined;
  revokedBy(
    tenant: string | undefined,
    claims: {
      readonly jti?: string;
      readonly sid?: string;
      readonly sub?: string;
      readonly ajti?: string;
    },
    nowS: number,
  ): RevocationKind | undefined;
}

/** @example buildSnapshot({ loadedAt: now, prefixes, keys, geoRules, policies, revocations, staticGeoRules }) */
export function buildSnapshot(parts: SnapshotParts): ControlSnapshot {
  const keys = new Map(parts.keys.map((k) => [k.kid, k]));
  const owns = (tenant: string, prefix: string) => ownerOf(parts.prefixes, prefix)?.tenant === tenant;
  const tenantRules = parts.geoRules.flatMap((g) => g.rules.filter((r) => owns(g.tenant, r.prefix)));
  const policies = parts.policies.filter((p) => owns(p.tenant, p.prefix));
  const revocations = buildRevocationIndex(parts.revocations);
  return {
    loadedAt: parts.loadedAt,
    keyFor: (kid) => keys.get(kid),
    ownerOf: (path) => ownerOf(parts.prefixes, path)?.tenant,
    geoRules: tenantRules.length === 0 ? parts.staticGeoRules : [...tenantRules, ...parts.staticGeoRules],
    policiesFor: (path) => longestPrefix(policies, path)?.table,
    revokedBy: (tenant, claims, nowS) => revokedBy(revocations, tenant, claims, nowS),
  };
}
