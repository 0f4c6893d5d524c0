/**
 * The control store's schema: the migration files themselves (imported as text), applied once per
 * isolate before the first query (idempotent DDL, like the egress ledger), so `wrangler dev` and a
 * fresh database work without a migration step; production runs `wrangler d1 migrations apply
 * CONTROL`. Shared by the operator API and the viewer path's loader. A failed attempt is retried by
 * the next caller. Later migrations must stay idempotent (IF NOT EXISTS) and be appended here.
 */
import { schemaStatements } from '../egress/consumer.ts';
import MIGRATION_0001 from './migrations/0001_control_plane.sql';
import type { SchemaGate } from './runtime.ts';

const MIGRATIONS = [MIGRATION_0001] as const;

export type { SchemaGate };

/** @example const gate = createSchemaGate(env.CONTROL); await gate.ready(); */
export function createSchemaGate(db: D1Database): SchemaGate {
  let pending: Promise<void> | undefined;
  return {
    ready() {
      pending ??= db
        .batch(MIGRATIONS.flatMap((m) => schemaStatements(m)).map((sql) => db.prepare(sql)))
        .then(() => undefined)
        .catch((error: unknown) => {
          pending = undefined;
          throw error;
        });
      return pending;
    },
  };
}
