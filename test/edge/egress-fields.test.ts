/**
 * Egress record fields end to end, with auth ON: the real Worker in workerd, an ES256 key, a token
 * with `sub` and `sid`, and `request.cf` geo. Plus the Analytics Engine data point positions that
 * README ("Sinks") documents as the query contract.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { signUrl } from '../../src/core/auth/signer.ts';
import type { EgressRecord } from '../../src/core/ledger/record.ts';
import { analyticsPoint } from '../../src/edge/egress/sinks.ts';
import { type CountingUpstream, startCountingUpstream } from '../fixtures/counting-upstream.ts';
import { jwksText, makeKey, type TestKeyPair } from '../unit/auth/test-keys.ts';
import { type EdgeWorker, startEdgeWorker } from './edge-worker.ts';
import { waitForRecords } from './egress-records.ts';

const CF = { country: 'DE', regionCode: 'BE', colo: 'FRA' };
const now = () => Math.floor(Date.now() / 1000);
let shield: CountingUpstream;
let edge: EdgeWorker;
let key: TestKeyPair;

function segment(path: string): void {
  shield.route(path, {
    body: 's'.repeat(1000),
    headers: { 'content-type': 'video/mp2t', 'cache-control': 'public, max-age=31536000, immutable' },
  });
}

/** A path-form URL (`/~t/<jwt>/…`) for `path`, signed for `sub`/`sid`. */
function signed(path: string, sub: string, sid: string, where: 'path' | 'query' = 'path'): Promise<string> {
  return signUrl(crypto.subtle, { jwt: key.signing }, path, { ttlS: 600, now: now(), in: where, sub, sid });
}

beforeAll(async () => {
  key = await makeKey('ES256', 'k-egress');
  shield = await startCountingUpstream();
  edge = await startEdgeWorker({
    SHIELD_URLS: shield.url,
    SHIELD_TIMEOUT_MS: '5000',
    AUTH_MODE: 'required',
    AUTH_JWKS: jwksText(key),
  });
});

afterAll(async () => {
  await edge?.dispose();
  await shield?.close();
});

describe('edge egress record with auth on', () => {
  it('carries geo from request.cf, the token sid, a hashed viewer and the token-free path', async () => {
    const path = '/vod/fields/720p/seg_00001.ts';
    segment(path);
    const url = await signed(path, 'alice@example.com', 'sess-42');
    const token = url.split('/')[2] ?? '';
    expect(token.length).toBeGreaterThan(20);

    const res = await edge.fetch(url, { cf: CF });
    expect(res.status).toBe(200);
    await res.arrayBuffer();

    const [record] = await waitForRecords(edge, path, 1);
    expect(record).toMatchObject({ country: 'DE', region: 'BE', colo: 'FRA', sessionId: 'sess-42', path });
    expect(record?.viewer).toMatch(/^[0-9a-f]{16}$/);
    const line = JSON.stringify(record);
    expect(line).not.toContain('alice');
    expect(line).not.toContain(token);
    expect(line).not.toContain('~t');
  });

  it('hashes the same viewer to the same value across requests and another viewer differently', async () => {
    const path = '/vod/fields/720p/seg_00002.ts';
    segment(path);
    // Two different tokens (path and query form) of the same viewer, then a second viewer.
    for (const url of [
      await signed(path, 'bob', 'sess-b1'),
      await signed(path, 'bob', 'sess-b2', 'query'),
      await signed(path, 'carol', 'sess-c1'),
    ]) {
      const res = await edge.fetch(url, { cf: CF });
      expect(res.status).toBe(200);
      await res.arrayBuffer();
    }
    const records = await waitForRecords(edge, path, 3);
    expect(records).toHaveLength(3);
    const bySession = new Map(records.map((r) => [r.sessionId, r.viewer]));
    const bob = bySession.get('sess-b1');
    expect(bob).toMatch(/^[0-9a-f]{16}$/);
    expect(bySession.get('sess-b2')).toBe(bob);
    expect(bySession.get('sess-c1')).not.toBe(bob);
    expect(records.every((r) => r.viewer !== 'bob' && r.viewer !== 'carol')).toBe(true);
  });
});

describe('Analytics Engine data point', () => {
  const record: EgressRecord = {
    ts: 1_760_000_000_123,
    tier: 'edge',
    status: 206,
    cacheStatus: 'HIT',
    bytes: 4096,
    headerBytes: 321,
    country: 'DE',
    region: 'BE',
    colo: 'FRA',
    contentKind: 'segment',
    path: '/vod/ts/720p/seg_00001.ts',
    contentId: 'vod',
    sessionId: 'sess-1',
    viewer: '0123456789abcdef',
    originBytes: 512,
    durationMs: 17,
    aborted: true,
    cmcd: { ot: 'v', cid: 'title-9', br: 3200, bl: 8000, mtp: 25_400 },
    tenant: 'acme',
    asn: 3320,
    asOrganization: 'Deutsche Telekom AG',
  };

  it('puts contentId in index1 and every field at its documented blob and double position', () => {
    const point = analyticsPoint(record);
    expect(point.indexes).toEqual(['vod']);
    // blob1…14: tier, cacheStatus, country, region, colo, kind, path, sessionId, viewer, pricing
    // region, CMCD ot, CMCD cid, tenant, AS organisation.
    expect(point.blobs).toEqual([
      'edge',
      'HIT',
      'DE',
      'BE',
      'FRA',
      'segment',
      '/vod/ts/720p/seg_00001.ts',
      'sess-1',
      '0123456789abcdef',
      'europe',
      'v',
      'title-9',
      'acme',
      'Deutsche Telekom AG',
    ]);
    // double1…11: bytes, headerBytes, originBytes, durationMs, status, ts, aborted, br, bl, mtp, asn.
    expect(point.doubles).toEqual([4096, 321, 512, 17, 206, 1_760_000_000_123, 1, 3200, 8000, 25_400, 3320]);
  });

  it('writes absent values as empty blobs and zero doubles, keeping every position', () => {
    const {
      country: _c,
      region: _r,
      colo: _o,
      sessionId: _s,
      viewer: _v,
      aborted: _a,
      cmcd: _m,
      tenant: _t,
      asn: _n,
      asOrganization: _g,
      ...bare
    } = record;
    const point = analyticsPoint(bare);
    expect(point.blobs).toHaveLength(14);
    expect([2, 3, 4, 7, 8, 10, 11, 12, 13].map((i) => point.blobs[i])).toEqual([
      '',
      '',
      '',
      '',
      '',
      '',
      '',
      '',
      '',
    ]);
    expect(point.doubles).toHaveLength(11);
    expect([6, 7, 8, 9, 10].map((i) => point.doubles[i])).toEqual([0, 0, 0, 0, 0]);
  });
});
