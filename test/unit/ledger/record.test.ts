import { describe, expect, it } from 'vitest';
import {
  buildEgressRecord,
  contentIdOf,
  headerBytesOf,
  isCacheHit,
  ledgerPath,
} from '../../../src/core/ledger/record.ts';
import { hashViewer } from '../../../src/core/ledger/viewer-hash.ts';

const BASE = {
  ts: 1_790_000_000_123.7,
  tier: 'edge' as const,
  status: 200,
  bytes: 1000,
  headerBytes: 200,
  originBytes: 0,
  durationMs: 12.4,
};

describe('buildEgressRecord', () => {
  it('fills every field from the facts, upper-casing cache status and country', () => {
    expect(
      buildEgressRecord({
        ...BASE,
        cacheStatus: 'hit',
        geo: { country: 'de', region: 'BE', colo: 'FRA' },
        path: '/vod/ts/720p/seg_00001.ts',
        cmcd: { sid: 's1', br: 3200, ot: 'v' },
        viewer: 'abcd',
      }),
    ).toEqual({
      ts: 1_790_000_000_123,
      tier: 'edge',
      status: 200,
      cacheStatus: 'HIT',
      bytes: 1000,
      headerBytes: 200,
      country: 'DE',
      region: 'BE',
      colo: 'FRA',
      contentKind: 'segment',
      path: '/vod/ts/720p/seg_00001.ts',
      contentId: 'vod',
      sessionId: 's1',
      viewer: 'abcd',
      originBytes: 0,
      durationMs: 12,
      cmcd: { br: 3200, ot: 'v' },
    });
  });

  it('prefers the CMCD session id over the token sid, and falls back to the token sid', () => {
    expect(buildEgressRecord({ ...BASE, path: '/a.ts', cmcd: { sid: 'c' }, tokenSid: 't' }).sessionId).toBe(
      'c',
    );
    expect(buildEgressRecord({ ...BASE, path: '/a.ts', tokenSid: 't' }).sessionId).toBe('t');
  });

  it('reports NONE when the tier gave no cache status and never negative byte counts', () => {
    const r = buildEgressRecord({ ...BASE, path: '/x', bytes: -5, cacheStatus: null });
    expect(r.cacheStatus).toBe('NONE');
    expect(r.bytes).toBe(0);
  });

  it('marks an early disconnect as aborted', () => {
    expect(buildEgressRecord({ ...BASE, path: '/a.ts', aborted: true }).aborted).toBe(true);
  });
});

describe('ledgerPath', () => {
  it('never keeps a token: strips the query and a /~t/<token> prefix', () => {
    expect(ledgerPath('/~t/eyJhbGciOi.x.y/vod/a.ts?token=zzz&CMCD=1')).toBe('/vod/a.ts');
  });
});

describe('contentIdOf', () => {
  it('uses the first directory segment by default, never the file name', () => {
    expect(contentIdOf('/vod/ts/720p/seg_00001.ts')).toBe('vod');
    expect(contentIdOf('/master.m3u8')).toBe('/');
  });

  it('takes more segments when configured', () => {
    expect(contentIdOf('/live/fmp4/540p/init.mp4', 2)).toBe('live/fmp4');
  });
});

describe('headerBytesOf', () => {
  it('counts an HTTP/1.1 head: status line, one line per field and the blank line', () => {
    // "HTTP/1.1 200 OK\r\n" = 17, "a: bc\r\n" = 7, "\r\n" = 2
    expect(headerBytesOf(200, [['a', 'bc']])).toBe(26);
  });
});

describe('isCacheHit', () => {
  it.each(['HIT', 'STALE', 'COALESCED'])('counts %s as served from cache', (s) => {
    expect(isCacheHit(s)).toBe(true);
  });
  it.each(['MISS', 'BYPASS', 'NONE', 'EXPIRED'])('counts %s as not served from cache', (s) => {
    expect(isCacheHit(s)).toBe(false);
  });
});

describe('hashViewer', () => {
  const sha256 = async (text: string) => crypto.subtle.digest('SHA-256', new TextEncoder().encode(text));

  it('returns a stable 16-hex-char pseudonym that does not contain the sub', async () => {
    const a = await hashViewer('alice@example.com', sha256);
    expect(a).toMatch(/^[0-9a-f]{16}$/);
    expect(await hashViewer('alice@example.com', sha256)).toBe(a);
    expect(a).not.toContain('alice');
  });

  it('gives different pseudonyms for different viewers and different salts', async () => {
    const a = await hashViewer('alice', sha256);
    expect(await hashViewer('bob', sha256)).not.toBe(a);
    expect(await hashViewer('alice', sha256, 'salt')).not.toBe(a);
  });
});
