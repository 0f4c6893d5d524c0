/**
 * `POST /rtc-usage` in workerd with a real Queue and D1: media server session records → EGRESS_QUEUE →
 * consumer → `egress_records`, then `GET /api/v1/usage` bills them beside the tenant's HLS bytes.
 * A re-sent session counts once, a bad record refuses its whole batch, and the secret, the body cap
 * and the missing bindings answer with their own codes.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { EgressRecord } from '../../src/core/ledger/record.ts';
import { RTC_AUTH_HEADER } from '../../src/core/webrtc/contract.ts';
import { rtcSessionRecord } from '../../src/core/webrtc/session-record.ts';
import { RTC_USAGE_MAX_BODY_BYTES, RTC_USAGE_PATH } from '../../src/core/webrtc/usage-batch.ts';
import { ADMIN_KEY, type ControlStack, seedTenant, startControlStack } from './control-api.ts';
import { type EdgeWorker, startEdgeWorker } from './edge-worker.ts';

const SECRET = 'rtc-usage-secret-0123456789';
const RTC = { RTC_URLS: 'http://127.0.0.1:9', RTC_SHARED_SECRET: SECRET };
const SEGMENT = 'x'.repeat(30_000);
let stack: ControlStack;
let serial = 0;

/** A session record as the media server writes it, ended a second ago; a new session id each call. */
function session(tenant: string, bytes: number, kind: 'whep' | 'whip' = 'whep'): EgressRecord {
  const id = `S${String(serial++).padStart(23, '0')}`;
  return rtcSessionRecord({
    kind,
    stream: 'live',
    session: id,
    startedAt: Date.now() - 60_000,
    endedAt: Date.now() - 1_000,
    bytesSent: bytes,
    bytesReceived: kind === 'whip' ? 5_000_000 : 10_000,
    viewer: { tenant, country: 'DE', asn: 3320, asOrganization: 'Deutsche Telekom AG' },
    ended: 'deleted',
  });
}

/** `secret` null: no x-edgeshield-auth header at all. */
function push(edge: EdgeWorker, body: unknown, secret: string | null = SECRET) {
  return edge.fetch(RTC_USAGE_PATH, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      ...(secret === null ? {} : { [RTC_AUTH_HEADER]: secret }),
    },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
}

const codeOf = async (res: { json(): Promise<unknown> }) => ((await res.json()) as { code: string }).code;

async function ledger() {
  return stack.edge.mf.getD1Database('LEDGER');
}

/** Polls until every record's session has its row (the consumer runs after a short batch timeout). */
async function waitForRows(records: readonly EgressRecord[]): Promise<void> {
  const db = await ledger();
  const rids = records.map((r) => `rtc:${r.rtcSessionId}`);
  const deadline = Date.now() + 20_000;
  while (Date.now() < deadline) {
    const row = await db
      .prepare(`SELECT COUNT(*) AS n FROM egress_records WHERE rid IN (${rids.map(() => '?').join(',')})`)
      .bind(...rids)
      .first<{ n: number }>()
      .catch(() => null);
    if (row?.n === rids.length) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`not every pushed session reached the ledger: ${rids.join(', ')}`);
}

async function usageOf(tenant: string, by = 'tenant') {
  const res = await stack.call('GET', `/usage?by=${by}`, ADMIN_KEY);
  expect(res.status).toBe(200);
  return res.body.rows.filter((r: { tenant: string }) => r.tenant === tenant);
}

beforeAll(async () => {
  stack = await startControlStack(
    { AUTH_MODE: 'off', EGRESS_STDOUT: 'off', ...RTC },
    {
      bindings: { EGRESS_QUEUE: { type: 'queue', name: 'egress' }, LEDGER: { type: 'd1', id: 'ledger' } },
      triggers: [{ type: 'queue', name: 'egress', maxBatchSize: 50, maxBatchTimeout: 0.1 }],
    },
  );
  await seedTenant(stack, 'acme', '/acme/');
});

afterAll(async () => {
  await stack?.close();
});

describe('POST /rtc-usage with the media server secret', () => {
  const acme = [session('acme', 1_234_567), session('acme', 4_321, 'whip')];
  const beta = [session('beta', 777)];

  it("adds the sessions' exact bytes to the tenant's usage beside its HLS bytes", async () => {
    stack.shield.route('/acme/vod/seg_1.ts', {
      body: SEGMENT,
      headers: { 'content-type': 'video/mp2t', 'cache-control': 'public, max-age=600' },
    });
    const hls = await stack.edge.fetch('/acme/vod/seg_1.ts');
    expect((await hls.arrayBuffer()).byteLength).toBe(SEGMENT.length);

    const res = await push(stack.edge, [...acme, ...beta]);
    expect(res.status).toBe(202);
    expect(await res.json()).toEqual({ accepted: 3 });
    await waitForRows([...acme, ...beta]);
    const db = await ledger();
    const deadline = Date.now() + 20_000;
    while (Date.now() < deadline) {
      const edgeRows = await db
        .prepare("SELECT COUNT(*) AS n FROM egress_records WHERE tier = 'edge' AND tenant = 'acme'")
        .first<{ n: number }>();
      if (edgeRows?.n === 1) break;
      await new Promise((r) => setTimeout(r, 100));
    }

    expect(await usageOf('acme')).toEqual([
      expect.objectContaining({ bytes: SEGMENT.length + 1_234_567 + 4_321, requests: 1, sessions: 2 }),
    ]);
    expect(await usageOf('beta')).toEqual([
      expect.objectContaining({ bytes: 777, requests: 0, sessions: 1 }),
    ]);
    const byProtocol = await usageOf('acme', 'tenant,protocol');
    expect(
      byProtocol.map((r: Record<string, unknown>) => [r.protocol, r.bytes, r.requests, r.sessions]),
    ).toEqual([
      ['hls', SEGMENT.length, 1, 0],
      ['webrtc', 1_234_567 + 4_321, 0, 2],
    ]);
    // The push itself is service traffic: no egress record of its own.
    const own = await db
      .prepare('SELECT COUNT(*) AS n FROM egress_records WHERE path = ?')
      .bind(RTC_USAGE_PATH)
      .first<{ n: number }>();
    expect(own?.n).toBe(0);
  });

  it('counts a session once when the media server sends it again', async () => {
    const marker = session('beta', 1);
    const res = await push(stack.edge, [...acme, ...beta, marker]);
    expect(res.status).toBe(202);
    await waitForRows([marker]);
    expect(await usageOf('acme')).toEqual([
      expect.objectContaining({ bytes: SEGMENT.length + 1_234_567 + 4_321, sessions: 2 }),
    ]);
    expect(await usageOf('beta')).toEqual([expect.objectContaining({ bytes: 778, sessions: 2 })]);
  });

  it('refuses a batch with one bad record whole, naming it, and records nothing from it', async () => {
    const good = session('gamma', 5_000);
    const bad = { ...session('gamma', 6_000), bytes: -5 };
    const res = await push(stack.edge, [good, bad]);
    expect(res.status).toBe(400);
    expect(await res.json()).toEqual({
      code: 'EDGE_ERR_RTC_USAGE_BAD_REQUEST',
      message: expect.any(String),
      issues: ['[1].bytes: expected a non-negative integer, got -5'],
    });
    // Anything queued before this marker has been consumed once the marker is in.
    const marker = session('gamma', 1);
    expect((await push(stack.edge, [marker])).status).toBe(202);
    await waitForRows([marker]);
    expect(await usageOf('gamma')).toEqual([expect.objectContaining({ bytes: 1, sessions: 1 })]);
  });

  it('answers a body that is not JSON with 400', async () => {
    const res = await push(stack.edge, '{"ts":');
    expect(res.status).toBe(400);
    expect(((await res.json()) as { issues: string[] }).issues).toEqual([
      'body: expected a JSON array of rtc egress records, got invalid JSON',
    ]);
  });

  it('refuses a missing, empty or wrong secret with 401', async () => {
    for (const secret of [null, '', 'wrong-secret', `${SECRET}x`]) {
      const res = await push(stack.edge, [session('acme', 1)], secret);
      expect(res.status).toBe(401);
      expect(await codeOf(res)).toBe('EDGE_ERR_RTC_USAGE_UNAUTHORIZED');
    }
  });

  it('refuses a body over 256 KiB with 413', async () => {
    const res = await push(stack.edge, ' '.repeat(RTC_USAGE_MAX_BODY_BYTES + 1));
    expect(res.status).toBe(413);
    expect(await codeOf(res)).toBe('EDGE_ERR_RTC_USAGE_TOO_LARGE');
  });
});

describe('POST /rtc-usage without what it needs', () => {
  it('answers 503 with Retry-After when there is no EGRESS_QUEUE (the media server retries)', async () => {
    const edge = await startEdgeWorker({ AUTH_MODE: 'off', SHIELD_URLS: 'http://127.0.0.1:9', ...RTC });
    try {
      const res = await push(edge, [session('acme', 1)]);
      expect(res.status).toBe(503);
      expect(res.headers.get('retry-after')).toMatch(/^\d+$/);
      expect(await codeOf(res)).toBe('EDGE_ERR_RTC_USAGE_UNAVAILABLE');
      const wrong = await push(edge, [session('acme', 1)], 'wrong');
      expect(wrong.status).toBe(401);
    } finally {
      await edge.dispose();
    }
  });

  it('answers 501 EDGE_ERR_RTC_DISABLED when WebRTC is not configured', async () => {
    const edge = await startEdgeWorker(
      { AUTH_MODE: 'off', SHIELD_URLS: 'http://127.0.0.1:9' },
      { bindings: { EGRESS_QUEUE: { type: 'queue', name: 'egress' } } },
    );
    try {
      const res = await push(edge, [session('acme', 1)]);
      expect(res.status).toBe(501);
      expect(await codeOf(res)).toBe('EDGE_ERR_RTC_DISABLED');
    } finally {
      await edge.dispose();
    }
  });
});
