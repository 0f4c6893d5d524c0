import { describe, expect, it } from 'vitest';
import { cmsdHeaders, regionMaxBitrateKbps } from '../../../src/core/cmcd/cmsd.ts';

describe('cmsdHeaders (CTA-5006)', () => {
  it('names the intermediary as the CMSD-Dynamic item and adds etp and mb when known', () => {
    expect(
      cmsdHeaders({ node: 'edge-FRA', contentKind: 'segment', etpKbps: 9000.4, maxBitrateKbps: 3000 }),
    ).toEqual({ 'CMSD-Static': 'ot=v,sf=h,v=1', 'CMSD-Dynamic': '"edge-FRA";etp=9000;mb=3000' });
  });

  it('marks playlists as manifests and leaves out unknown throughput', () => {
    expect(cmsdHeaders({ node: 'e', contentKind: 'playlist' })).toEqual({
      'CMSD-Static': 'ot=m,sf=h,v=1',
      'CMSD-Dynamic': '"e"',
    });
  });

  it('escapes quotes and drops non-printable characters in the node name (RFC 8941 sf-string)', () => {
    expect(
      cmsdHeaders({ node: 'a"b\\c\u0001', contentKind: 'key', etpKbps: Number.NaN })['CMSD-Dynamic'],
    ).toBe('"a\\"b\\\\c"');
  });
});

describe('regionMaxBitrateKbps (CTA-5006 mb from the manifest region policy)', () => {
  const table = {
    regions: { 'US-CA': { maxBandwidth: 6_000_000 } },
    countries: { US: { maxHeight: 720 }, BR: { maxBandwidth: 1_499_999 } },
  };

  it('turns the bandwidth cap in bits/s into kbps, rounded down so the cap is never exceeded', () => {
    expect(regionMaxBitrateKbps(table, { country: 'BR' })).toBe(1499);
  });

  it('uses the most specific policy, as the manifest rewriter does', () => {
    expect(regionMaxBitrateKbps(table, { country: 'US', region: 'CA' })).toBe(6000);
  });

  it('states no mb for a policy without a bandwidth cap, or with no policy', () => {
    expect(regionMaxBitrateKbps(table, { country: 'US' })).toBeUndefined();
    expect(regionMaxBitrateKbps(table, { country: 'DE' })).toBeUndefined();
    expect(regionMaxBitrateKbps(table, undefined)).toBeUndefined();
  });
});
