/**
 * The control-plane store (issue 15) in Miniflare's real D1: the migration file applies (twice, as
 * the Worker applies it on first use in every isolate) and its constraints hold; the Worker's own
 * first use creates the same tables.
 */
import { readFile } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { schemaStatements } from '../../src/edge/egress/consumer.ts';
import { type EdgeWorker, startEdgeWorker } from './edge-worker.ts';

const MIGRATION = new URL('../../src/edge/control/migrations/0001_control_plane.sql', import.meta.url);
let edge: EdgeWorker;
type Db = Awaited<ReturnType<EdgeWorker['mf']['getD1Database']>>;
let db: Db;

beforeAll(async () => {
  edge = await startEdgeWorker(
    { AUTH_MODE: 'off', SHIELD_URLS: 'http://127.0.0.1:9' },
    { bindings: { CONTROL: { type: 'd1', id: 'control' } } },
  );
  db = await edge.mf.getD1Database('CONTROL');
  const sql = await readFile(MIGRATION, 'utf8');
  await db.batch(schemaStatements(sql).map((s) => db.prepare(s)));
});

afterAll(async () => {
  await edge?.dispose();
});

describe('control-plane migrations in D1', () => {
  it('creates every table the control plane stores', async () => {
    const { results } = await db
      .prepare(
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name",
      )
      .all<{ name: string }>();
    expect(results.map((r) => r.name).filter((n) => !n.startsWith('_cf'))).toEqual([
      'api_keys',
      'audit_log',
      'geo_rules',
      'manifest_policies',
      'prefixes',
      'price_tables',
      'revocations',
      'signing_keys',
      'tenants',
    ]);
  });

  it('applies again without error (the Worker runs it once per isolate)', async () => {
    const sql = await readFile(MIGRATION, 'utf8');
    await db.batch(schemaStatements(sql).map((s) => db.prepare(s)));
    const row = await db.prepare('SELECT count(*) AS n FROM tenants').first<{ n: number }>();
    expect(row?.n).toBe(0);
  });

  it('refuses a signing key state other than next, active or retired', async () => {
    await db.prepare("INSERT INTO tenants (id, name, created_at) VALUES ('t1', 'One', 1)").run();
    await expect(
      db
        .prepare(
          "INSERT INTO signing_keys (kid, tenant_id, alg, public_jwk, private_jwk, state, created_at) VALUES ('k', 't1', 'ES256', '{}', '{}', 'live', 1)",
        )
        .run(),
    ).rejects.toThrow(/CHECK constraint/);
  });

  it('deletes a tenant together with its keys and prefixes, and keeps the audit log', async () => {
    await db.batch([
      db.prepare("INSERT INTO tenants (id, name, created_at) VALUES ('t2', 'Two', 1)"),
      db.prepare(
        "INSERT INTO signing_keys (kid, tenant_id, alg, public_jwk, private_jwk, state, created_at) VALUES ('k2', 't2', 'ES256', '{}', '{}', 'active', 1)",
      ),
      db.prepare("INSERT INTO prefixes (prefix, tenant_id, created_at) VALUES ('/two/', 't2', 1)"),
      db.prepare(
        "INSERT INTO audit_log (ts, actor, action, tenant_id, resource) VALUES (1, 'admin', 'tenant.create', 't2', 'tenants/t2')",
      ),
    ]);
    await db.prepare("DELETE FROM tenants WHERE id = 't2'").run();
    const keys = await db.prepare("SELECT count(*) AS n FROM signing_keys WHERE tenant_id = 't2'").first();
    const prefixes = await db.prepare("SELECT count(*) AS n FROM prefixes WHERE tenant_id = 't2'").first();
    const audit = await db.prepare("SELECT count(*) AS n FROM audit_log WHERE tenant_id = 't2'").first();
    expect([keys?.n, prefixes?.n, audit?.n]).toEqual([0, 0, 1]);
  });

  it('keeps one owner per path prefix', async () => {
    await db.prepare("INSERT INTO prefixes (prefix, tenant_id, created_at) VALUES ('/one/', 't1', 1)").run();
    await db.prepare("INSERT INTO tenants (id, name, created_at) VALUES ('t3', 'Three', 1)").run();
    await expect(
      db.prepare("INSERT INTO prefixes (prefix, tenant_id, created_at) VALUES ('/one/', 't3', 1)").run(),
    ).rejects.toThrow(/UNIQUE constraint/);
  });

  it('is what the Worker creates on first use', async () => {
    const fresh = await startEdgeWorker(
      { AUTH_MODE: 'off', SHIELD_URLS: 'http://127.0.0.1:9', ADMIN_API_KEY: 'a'.repeat(32) },
      { bindings: { CONTROL: { type: 'd1', id: 'fresh' } } },
    );
    try {
      const res = await fresh.fetch('/api/v1/tenants', {
        headers: { authorization: `Bearer ${'a'.repeat(32)}` },
      });
      expect(res.status).toBe(200);
      const tables = await (await fresh.mf.getD1Database('CONTROL'))
        .prepare(
          "SELECT count(*) AS n FROM sqlite_master WHERE type = 'table' AND name IN ('tenants', 'revocations', 'audit_log')",
        )
        .first<{ n: number }>();
      expect(tables?.n).toBe(3);
    } finally {
      await fresh.dispose();
    }
  });
});
