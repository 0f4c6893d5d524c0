/**
 * The viewer path's copy of the control store (issue 15): one per isolate, loaded with one D1 batch
 * and reused, never one store query per request.
 *
 * Staleness (CONTROL_CACHE_TTL_S = T, default 30 s, at most 30): a copy younger than T/2 is used as
 * is; between T/2 and T it is used while one background reload runs (waitUntil); at T or older the
 * request waits for the reload. So key, rule, policy and revocation changes reach every isolate
 * within T (plus one D1 round trip) while the store answers. If a reload fails the last copy is kept
 * (availability over freshness), the failure is logged, and the next reload is tried after 5 s;
 * without any copy, tenant tokens are refused and only wrangler.toml config applies.
 */

import { REVOCATION_KINDS, type Revocation } from '../../core/control/revocation.ts';
import { buildSnapshot, type ControlSnapshot, type SnapshotKey } from '../../core/control/snapshot.ts';
import { parseGeoRules } from '../../core/geo/parse.ts';
import type { GeoRule } from '../../core/geo/rules.ts';
import type { PolicyTable } from '../../core/hls/policy.ts';
import { parseManifestConfig } from '../config-manifest.ts';

/** Creates the store's tables once per isolate (store.ts); the loader waits for it. */
export interface SchemaGate {
  ready(): Promise<void>;
}

/** The part of a D1Database the loader uses (structural, so tests can count its reads). */
export interface ControlDb {
  prepare(sql: string): ControlStatement;
  batch(statements: ControlStatement[]): Promise<{ results?: unknown[] }[]>;
}

export interface ControlStatement {
  bind(...values: unknown[]): ControlStatement;
}

export interface ControlRuntime {
  /** A copy within the staleness bound (loading it when needed); undefined when none could be loaded. */
  current(waitUntil: (promise: Promise<unknown>) => void): Promise<ControlSnapshot | undefined>;
  /** The newest loaded copy, without waiting (for code that runs after `current` in the same request). */
  latest(): ControlSnapshot | undefined;
}

export interface ControlRuntimeOptions {
  readonly db: ControlDb;
  readonly schema: SchemaGate;
  readonly ttlS: number;
  /** Milliseconds since the epoch. */
  readonly now: () => number;
  readonly staticGeoRules: readonly GeoRule[];
}

const RETRY_MS = 5_000;

/** @example const runtime = createControlRuntime({ db: env.CONTROL, schema, ttlS: 30, now: Date.now, staticGeoRules }) */
export function createControlRuntime(options: ControlRuntimeOptions): ControlRuntime {
  const ttlMs = options.ttlS * 1000;
  let snapshot: ControlSnapshot | undefined;
  let loading: Promise<ControlSnapshot | undefined> | undefined;
  let failedAt = Number.NEGATIVE_INFINITY;
  const reload = () => {
    loading ??= load(options)
      .then((next) => {
        snapshot = next;
        return next;
      })
      .catch((error: unknown) => {
        failedAt = options.now();
        console.error(
          JSON.stringify({ level: 'error', event: 'control-load-failed', reason: String(error) }),
        );
        return snapshot;
      })
      .finally(() => {
        loading = undefined;
      });
    return loading;
  };
  return {
    latest: () => snapshot,
    async current(waitUntil) {
      const now = options.now();
      const age = snapshot === undefined ? Number.POSITIVE_INFINITY : now - snapshot.loadedAt;
      if (age < ttlMs / 2 || now - failedAt < RETRY_MS) return snapshot;
      if (age < ttlMs) {
        waitUntil(reload());
        return snapshot;
      }
      return reload();
    },
  };
}

interface Rows {
  prefixes: { prefix: string; tenant: string }[];
  keys: {
    kid: string;
    tenant: string;
    alg: SnapshotKey['alg'];
    state: SnapshotKey['state'];
    public_jwk: string;
  }[];
  geo: { tenant: string; prefix: string; rules: string }[];
  policies: { tenant: string; prefix: string; policies: string }[];
  revocations: Revocation[];
}

async function load(options: ControlRuntimeOptions): Promise<ControlSnapshot> {
  await options.schema.ready();
  const { db } = options;
  const loadedAt = options.now();
  const [prefixes, keys, geo, policies, revocations] = await db.batch([
    db.prepare('SELECT prefix, tenant_id AS tenant FROM prefixes'),
    db.prepare('SELECT kid, tenant_id AS tenant, alg, state, public_jwk FROM signing_keys'),
    db.prepare('SELECT tenant_id AS tenant, prefix, rules FROM geo_rules'),
    db.prepare('SELECT tenant_id AS tenant, prefix, policies FROM manifest_policies'),
    db
      .prepare('SELECT tenant_id AS tenant, kind, value, until FROM revocations WHERE until > ?')
      .bind(Math.floor(loadedAt / 1000)),
  ]);
  const rows = {
    prefixes: prefixes?.results ?? [],
    keys: keys?.results ?? [],
    geo: geo?.results ?? [],
    policies: policies?.results ?? [],
    revocations: revocations?.results ?? [],
  } as Rows;
  return buildSnapshot({
    loadedAt,
    prefixes: rows.prefixes,
    keys: rows.keys.map((k) => ({ ...k, publicJwk: JSON.parse(k.public_jwk) as Record<string, unknown> })),
    // Written through the API's validation; parsed again here so a hand-edited row cannot widen access.
    geoRules: rows.geo.map((g) => ({ tenant: g.tenant, rules: validRules(g.rules, g.prefix) })),
    policies: rows.policies.map((p) => ({
      tenant: p.tenant,
      prefix: p.prefix,
      table: validPolicies(p.policies, p.prefix),
    })),
    revocations: rows.revocations.filter((r) => (REVOCATION_KINDS as readonly string[]).includes(r.kind)),
    staticGeoRules: options.staticGeoRules,
  });
}

/** A stored rule list that no longer parses closes its prefix (fail closed, like bad GEO_RULES). */
function validRules(text: string, prefix: string): readonly GeoRule[] {
  const parsed = parseGeoRules(text);
  if (parsed.issues.length === 0) return parsed.rules;
  logInvalid('geo_rules', prefix);
  return [{ prefix, allow: {}, unknown: 'deny', tor: 'deny', status: 403 }];
}

/** Stored policies that no longer parse are dropped: full playlists, never a broken rewrite. */
function validPolicies(text: string, prefix: string): PolicyTable {
  const issues: unknown[] = [];
  const config = parseManifestConfig({ MANIFEST_POLICIES: text }, issues);
  if (issues.length === 0) return config.policies;
  logInvalid('manifest_policies', prefix);
  return {};
}

function logInvalid(table: string, prefix: string): void {
  console.error(
    JSON.stringify({ level: 'error', event: 'control-row-invalid', code: 'EDGE_ERR_CONFIG', table, prefix }),
  );
}
