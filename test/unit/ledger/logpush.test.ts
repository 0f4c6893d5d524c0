import { describe, expect, it } from 'vitest';
import { parseLedgerLine, parseLedgerText, timestampMs } from '../../../src/core/ledger/logpush.ts';

// A Cloudflare Logpush http_requests line (subset of fields, default RFC 3339 timestamps).
const LOGPUSH = {
  ClientCountry: 'jp',
  ClientRegionCode: '13',
  ClientRequestHost: 'edge.example',
  ClientRequestPath: '/vod/ts/720p/seg_00002.ts',
  ClientRequestURI:
    '/vod/ts/720p/seg_00002.ts?token=secret&CMCD=br%3D2000%2Cd%3D2000%2Cot%3Dv%2Csid%3D%22abc%22',
  EdgeColoCode: 'NRT',
  EdgeStartTimestamp: '2026-10-01T12:00:00Z',
  EdgeEndTimestamp: '2026-10-01T12:00:00.250Z',
  EdgeResponseBytes: 1_000_400,
  EdgeResponseBodyBytes: 1_000_000,
  EdgeResponseStatus: 200,
  CacheCacheStatus: 'miss',
};

describe('Logpush http_requests mapping', () => {
  it('maps Logpush fields onto an edge egress record', () => {
    expect(parseLedgerLine(JSON.stringify(LOGPUSH))).toEqual({
      ts: Date.UTC(2026, 9, 1, 12),
      tier: 'edge',
      status: 200,
      cacheStatus: 'MISS',
      bytes: 1_000_000,
      headerBytes: 400,
      country: 'JP',
      region: '13',
      colo: 'NRT',
      contentKind: 'segment',
      path: '/vod/ts/720p/seg_00002.ts',
      contentId: 'vod',
      sessionId: 'abc',
      originBytes: 1_000_000,
      durationMs: 250,
      cmcd: { br: 2000, d: 2000, ot: 'v' },
    });
  });

  it('uses EdgeResponseBytes as body bytes when the body field is absent, and a hit fetched nothing', () => {
    const r = parseLedgerLine(
      JSON.stringify({ ...LOGPUSH, EdgeResponseBodyBytes: undefined, CacheCacheStatus: 'hit' }),
    );
    expect(r).toMatchObject({ bytes: 1_000_400, headerBytes: 0, originBytes: 0, cacheStatus: 'HIT' });
  });

  it.each([
    ['RFC 3339', '2026-10-01T12:00:00Z'],
    ['unix seconds', 1_790_856_000],
    ['unix nanoseconds', 1_790_856_000_000_000_000],
    ['milliseconds', 1_790_856_000_000],
  ])('reads EdgeStartTimestamp as %s', (_name, value) => {
    expect(timestampMs(value)).toBe(Date.UTC(2026, 9, 1, 12));
  });
});

describe('parseLedgerText', () => {
  it('reads our records and Logpush records from one file and reports bad lines by number', () => {
    const ours = JSON.stringify({
      ts: 1_790_856_000_000,
      tier: 'shield',
      status: 200,
      cacheStatus: 'HIT',
      bytes: 5,
      headerBytes: 1,
      path: '/live/ts/360p/seg_9.ts',
      contentId: 'live/ts',
      originBytes: 0,
      durationMs: 2,
      cmcd: { br: 1, bogus: 2 },
    });
    const { records, issues } = parseLedgerText(`${ours}\n\nnot json\n${JSON.stringify(LOGPUSH)}\n{"a":1}\n`);
    expect(records.map((r) => r.tier)).toEqual(['shield', 'edge']);
    expect(records[0]).toMatchObject({ contentId: 'live/ts', cmcd: { br: 1 } });
    expect(issues.map((i) => i.line)).toEqual([3, 5]);
  });

  it('rejects a record with an unknown tier', () => {
    expect(parseLedgerLine('{"ts":1,"tier":"moon","status":200,"bytes":1}')).toMatch(/^tier/);
  });
});
