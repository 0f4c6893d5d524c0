/**
 * Region policy selection and rendition removal (src/core/hls/policy.ts). Node and workerd.
 */
import { describe, expect, it } from 'vitest';
import { continentOf } from '../../../src/core/hls/continents.ts';
import { parsePlaylist } from '../../../src/core/hls/parse.ts';
import { renditionDrops, selectPolicy } from '../../../src/core/hls/policy.ts';
import { rewritePlaylist } from '../../../src/core/hls/rewrite.ts';

const table = {
  regions: { 'US-CA': { maxHeight: 1 } },
  countries: { US: { maxHeight: 2 }, DE: { maxHeight: 3 } },
  continents: { EU: { maxHeight: 4 } },
  default: { maxHeight: 5 },
};

describe('selectPolicy: region > country > continent > default', () => {
  it.each([
    [{ country: 'US', region: 'CA' }, 'region:US-CA'],
    [{ country: 'US', region: 'NY' }, 'country:US'],
    [{ country: 'DE' }, 'country:DE'],
    [{ country: 'FR' }, 'continent:EU'],
    [{ country: 'JP' }, 'default'],
    [{ country: 'XX' }, 'default'],
    [undefined, 'default'],
  ])('%o → %s', (geo, matched) => {
    expect(selectPolicy(table, geo)?.matched).toBe(matched);
  });

  it('selects nothing when no key matches and there is no default', () => {
    expect(selectPolicy({ countries: { DE: {} } }, { country: 'FR' })).toBeUndefined();
  });

  it('maps countries to continents from the static table', () => {
    expect([continentOf('de'), continentOf('BR'), continentOf('JP'), continentOf('T1')]).toEqual([
      'EU',
      'SA',
      'AS',
      undefined,
    ]);
  });
});

const MASTER = [
  '#EXTM3U',
  '#EXT-X-MEDIA:TYPE=AUDIO,GROUP-ID="a",NAME="en",LANGUAGE="en",DEFAULT=YES,URI="en.m3u8"',
  '#EXT-X-MEDIA:TYPE=AUDIO,GROUP-ID="a",NAME="fr",LANGUAGE="fr-CA",URI="fr.m3u8"',
  '#EXT-X-MEDIA:TYPE=AUDIO,GROUP-ID="b",NAME="fr",LANGUAGE="fr",URI="fr-b.m3u8"',
  '#EXT-X-STREAM-INF:BANDWIDTH=800000,RESOLUTION=640x360,CODECS="avc1.4d401e"',
  '360.m3u8',
  '#EXT-X-STREAM-INF:BANDWIDTH=2000000,RESOLUTION=1280x720,CODECS="avc1.640020"',
  '720.m3u8',
  '#EXT-X-STREAM-INF:BANDWIDTH=1500000,RESOLUTION=1280x720,CODECS="hvc1.1.6.L93.B0"',
  '720h.m3u8',
  '#EXT-X-I-FRAME-STREAM-INF:BANDWIDTH=300000,RESOLUTION=1280x720,URI="if720.m3u8"',
  '',
].join('\n');

const applied = (policy: Parameters<typeof renditionDrops>[1]) =>
  rewritePlaylist(MASTER, (p) => renditionDrops(p, policy)).text;

describe('renditionDrops', () => {
  it('removes variants and I-frame streams above maxHeight', () => {
    const out = applied({ maxHeight: 540 });
    expect(out).toContain('360.m3u8');
    expect(out).not.toMatch(/720/);
  });

  it('removes variants above maxBandwidth', () => {
    const out = applied({ maxBandwidth: 1_600_000 });
    expect(out).toContain('720h.m3u8');
    expect(out).not.toContain('\n720.m3u8');
  });

  it('removes variants by codec prefix', () => {
    expect(applied({ dropCodecs: ['hvc1'] })).not.toContain('720h.m3u8');
  });

  // RFC 8216 §4.3.4.2: a master playlist's variants are its EXT-X-STREAM-INF tags; one must remain.
  it('keeps the lowest-bandwidth variant when every variant exceeds the cap', () => {
    const out = applied({ maxHeight: 100 });
    expect(out.match(/EXT-X-STREAM-INF/g)).toHaveLength(1);
    expect(out).toContain('360.m3u8');
  });

  it('removes renditions by language (primary tag matches subtags) but never empties a group', () => {
    const out = applied({ dropLanguages: ['fr'] });
    expect(out).not.toContain('fr.m3u8"');
    expect(out).toContain('fr-b.m3u8'); // the only member of group "b" stays
    expect(out).toContain('en.m3u8');
  });

  it('removes nothing from media playlists', () => {
    const { playlist } = parsePlaylist('#EXTM3U\n#EXT-X-TARGETDURATION:2\n#EXTINF:2,\na.ts\n');
    expect(renditionDrops(playlist, { maxHeight: 1 }).drop.size).toBe(0);
  });
});
