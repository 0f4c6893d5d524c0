/**
 * Usage billing (issue 15) in workerd: edge responses → Queue → D1 ledger rows carrying the tenant
 * and the viewer's network (request.cf.asn / asOrganization); `GET /api/v1/usage` totals equal the
 * ledger's bytes per tenant and the bytes the viewers received, grouped by tenant, network and day.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN_KEY, type ControlStack, seedTenant, startControlStack } from './control-api.ts';

const BODY = 'x'.repeat(25_000);
const DTAG = { country: 'DE', asn: 3320, asOrganization: 'Deutsche Telekom AG' };
const VIRGIN = { country: 'GB', asn: 5089, asOrganization: 'Virgin Media Limited' };
let stack: ControlStack;
const sent: Record<string, number> = { acme: 0, beta: 0 };
let acmeUsageKey: string;

async function play(tenant: string, key: string, cf: Record<string, unknown>, times: number): Promise<void> {
  const path = `/${tenant}/vod/seg_1.ts`;
  stack.shield.route(path, {
    body: BODY,
    headers: { 'content-type': 'video/mp2t', 'cache-control': 'public, max-age=600' },
  });
  const minted = await stack.call('POST', '/tokens', key, { path, ttl: 600 });
  const url = new URL(minted.body.url);
  for (let i = 0; i < times; i++) {
    const res = await stack.edge.fetch(`${url.pathname}${url.search}`, { cf });
    if (res.status !== 200) throw new Error(`${path}: ${res.status}`);
    sent[tenant] = (sent[tenant] ?? 0) + (await res.arrayBuffer()).byteLength;
  }
}

async function ledgerRows(expected: number): Promise<void> {
  const db = await stack.edge.mf.getD1Database('LEDGER');
  const deadline = Date.now() + 15_000;
  while (Date.now() < deadline) {
    const row = await db
      .prepare('SELECT COUNT(*) AS n FROM egress_records WHERE tenant IS NOT NULL')
      .first<{ n: number }>()
      .catch(() => null);
    if ((row?.n ?? 0) >= expected) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`fewer than ${expected} tenant rows reached the ledger`);
}

beforeAll(async () => {
  stack = await startControlStack(
    { EGRESS_STDOUT: 'off' },
    {
      bindings: { EGRESS_QUEUE: { type: 'queue', name: 'egress' }, LEDGER: { type: 'd1', id: 'ledger' } },
      triggers: [{ type: 'queue', name: 'egress', maxBatchSize: 50, maxBatchTimeout: 0.1 }],
    },
  );
  const acme = await seedTenant(stack, 'acme', '/acme/', ['tokens:mint', 'usage:read']);
  const beta = await seedTenant(stack, 'beta', '/beta/', ['tokens:mint']);
  acmeUsageKey = acme;
  await play('acme', acme, DTAG, 3);
  await play('acme', acme, VIRGIN, 2);
  await play('beta', beta, DTAG, 4);
  await ledgerRows(9);
});

afterAll(async () => {
  await stack?.close();
});

describe('GET /api/v1/usage', () => {
  it('totals per tenant equal the ledger and the bytes viewers received', async () => {
    const res = await stack.call('GET', '/usage?by=tenant', ADMIN_KEY);
    expect(res.status).toBe(200);
    const byTenant = Object.fromEntries(
      res.body.rows.map((r: { tenant: string; bytes: number }) => [r.tenant, r]),
    );
    const db = await stack.edge.mf.getD1Database('LEDGER');
    for (const tenant of ['acme', 'beta']) {
      const ledger = await db
        .prepare('SELECT SUM(bytes) AS bytes, COUNT(*) AS n FROM egress_records WHERE tenant = ?')
        .bind(tenant)
        .first<{ bytes: number; n: number }>();
      expect(byTenant[tenant]).toMatchObject({ bytes: ledger?.bytes, requests: ledger?.n });
      expect(byTenant[tenant].bytes).toBe(sent[tenant]);
    }
  });

  it('splits delivery by network and day, with AS names and a peak rate', async () => {
    const res = await stack.call('GET', '/usage?by=tenant,network,day', ADMIN_KEY);
    const acme = res.body.rows.filter((r: { tenant: string }) => r.tenant === 'acme');
    // The UTC day the rows were written on, not today's: beforeAll may have run before midnight.
    const db = await stack.edge.mf.getD1Database('LEDGER');
    const first = await db
      .prepare("SELECT MIN(ts) AS ts FROM egress_records WHERE tenant = 'acme'")
      .first<{ ts: number }>();
    const day = new Date(first?.ts ?? Number.NaN).toISOString().slice(0, 10);
    expect(
      acme.map((r: Record<string, unknown>) => [r.asn, r.asOrganization, r.day, r.bytes, r.requests]),
    ).toEqual([
      [3320, 'Deutsche Telekom AG', day, 3 * BODY.length, 3],
      [5089, 'Virgin Media Limited', day, 2 * BODY.length, 2],
    ]);
    expect(acme[0].peakMbps).toBeGreaterThan(0);
  });

  it('shows a tenant key its own tenant only', async () => {
    const res = await stack.call('GET', '/usage?by=tenant&tenant=beta', acmeUsageKey);
    expect(res.status).toBe(200);
    expect(res.body.rows.map((r: { tenant: string }) => r.tenant)).toEqual(['acme']);
  });

  it('names a bad grouping or period', async () => {
    const res = await stack.call('GET', '/usage?by=planet&from=2026-13-01', ADMIN_KEY);
    expect(res.status).toBe(400);
    expect(res.body.issues).toEqual([
      'from: expected YYYY-MM-DD, an ISO 8601 time or epoch ms',
      'by[0]: expected one of tenant, content, country, network, day, protocol',
    ]);
  });
});

describe('ledger migration 0002', () => {
  it('adds exactly the columns the consumer adds to an older ledger', async () => {
    const { readFile } = await import('node:fs/promises');
    const { LEDGER_ADDED_COLUMNS, LEDGER_TENANT_INDEX } = await import(
      '../../src/edge/egress/ledger-schema.ts'
    );
    const sql = await readFile(
      new URL('../../src/edge/egress/migrations/0002_tenant_network.sql', import.meta.url),
      'utf8',
    );
    const statements = sql
      .split('\n')
      .filter((l) => !l.startsWith('--') && l.trim() !== '')
      .map((l) => l.replace(/;$/, ''));
    expect(statements).toEqual([
      ...LEDGER_ADDED_COLUMNS.map(([name, type]) => `ALTER TABLE egress_records ADD COLUMN ${name} ${type}`),
      LEDGER_TENANT_INDEX,
    ]);
  });
});
