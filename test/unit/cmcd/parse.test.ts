import { describe, expect, it } from 'vitest';
import { cmcdFactsFrom, parseCmcd } from '../../../src/core/cmcd/parse.ts';

// Captured shapes of real player output (CTA-5004 keys are sorted alphabetically by players).
const HLSJS_URL =
  '/vod/ts/720p/seg_00003.ts?CMCD=br%3D2000%2Cbs%2Ccid%3D%22sintel%22%2Cd%3D2000%2Cdl%3D23000%2Cmtp%3D14900' +
  '%2Cot%3Dav%2Crtp%3D4000%2Csf%3Dh%2Csid%3D%22f3c5b7d1-6a0e-4c1e-9f44-1b2c3d4e5f60%22%2Cst%3Dv%2Csu%2Ctb%3D5000';
const DASHJS_URL =
  '/seg.m4s?token=abc&CMCD=bl%3D16600%2Cbr%3D1548%2Ccid%3D%2221cf726cfe3d937b5f974f72bb5bd06a%22%2Cd%3D4000' +
  '%2Cdl%3D16600%2Cmtp%3D24000%2Cot%3Dv%2Cpr%3D1%2Csf%3Dd%2Csid%3D%22b248658d-1d1a-4039-91d0-8c08ba597da5%22' +
  '%2Cst%3Dv%2Ctb%3D14932';
const EXOPLAYER_HEADERS = {
  'CMCD-Object': 'br=840,d=4000,ot=v,tb=1600',
  'CMCD-Request': 'bl=10000,dl=10000,mtp=5800,nor="seg_00004.ts",su',
  'CMCD-Session': 'cid="vod-ts",sid="2b7d3b0c-7c4e-4f5e-8a11-1d2e3f4a5b6c",sf=h,st=v',
  'CMCD-Status': 'rtp=1700',
};

describe('parseCmcd', () => {
  it('reads the keys the ledger keeps from hls.js query-mode CMCD', () => {
    expect(parseCmcd(HLSJS_URL)).toEqual({
      sid: 'f3c5b7d1-6a0e-4c1e-9f44-1b2c3d4e5f60',
      cid: 'sintel',
      br: 2000,
      mtp: 14900,
      ot: 'av',
      su: true,
      d: 2000,
    });
  });

  it('reads dash.js query-mode CMCD next to other query parameters', () => {
    expect(parseCmcd(DASHJS_URL)).toMatchObject({
      sid: 'b248658d-1d1a-4039-91d0-8c08ba597da5',
      cid: '21cf726cfe3d937b5f974f72bb5bd06a',
      bl: 16600,
      br: 1548,
      mtp: 24000,
      ot: 'v',
      d: 4000,
    });
  });

  it('reads ExoPlayer header-mode CMCD from all four headers, case-insensitively', () => {
    expect(parseCmcd('/seg.ts', EXOPLAYER_HEADERS)).toEqual({
      sid: '2b7d3b0c-7c4e-4f5e-8a11-1d2e3f4a5b6c',
      cid: 'vod-ts',
      br: 840,
      bl: 10000,
      mtp: 5800,
      ot: 'v',
      su: true,
      d: 4000,
    });
  });

  it('lets headers win over the query for the same key', () => {
    expect(parseCmcd('/a.ts?CMCD=br%3D1', { 'cmcd-object': 'br=2' }).br).toBe(2);
  });

  it('returns nothing when there is no CMCD', () => {
    expect(parseCmcd('/a.ts?token=x', { accept: '*/*' })).toEqual({});
  });

  it.each([
    ['an unparseable dictionary', '/a.ts?CMCD=garbage%%%'],
    ['an empty value', '/a.ts?CMCD=br%3D%2Csid%3D'],
    ['an unterminated string', '/a.ts?CMCD=sid%3D%22abc'],
    ['bad percent-encoding', '/a.ts?CMCD=%E0%A4%A'],
  ])('ignores malformed CMCD (%s) instead of failing', (_name, url) => {
    expect(parseCmcd(url)).toEqual({});
  });

  it('ignores a malformed header but keeps the well-formed ones', () => {
    expect(parseCmcd('/a.ts', { 'cmcd-request': 'bl=,"', 'cmcd-object': 'br=700' })).toEqual({ br: 700 });
  });

  it('drops values of the wrong type, out-of-range numbers and over-long strings', () => {
    expect(
      cmcdFactsFrom({ br: 'fast', bl: -1, mtp: 1e12, ot: 'zz', su: 'yes', sid: 'x'.repeat(65), cid: 'ok' }),
    ).toEqual({ cid: 'ok' });
  });
});
