/**
 * The LL-HLS viewer's decisions: parts and the preload hint parsed with their (msn, part) identity,
 * where it tunes in, which part comes next, and the blocking-reload query (RFC 8216bis §6.2.5.2).
 */
import { describe, expect, it } from 'vitest';
import { parseMedia } from '../../../bench/lib/playlist.ts';
import { blockingUrl, nextPart, tuneInPart } from '../../../bench/player-ll.ts';

const LL = [
  '#EXTM3U',
  '#EXT-X-TARGETDURATION:2',
  '#EXT-X-SERVER-CONTROL:CAN-BLOCK-RELOAD=YES,PART-HOLD-BACK=1.500',
  '#EXT-X-PART-INF:PART-TARGET=0.500',
  '#EXT-X-MEDIA-SEQUENCE:100',
  '#EXTINF:2.000,',
  'seg_100.ts',
  '#EXT-X-PART:DURATION=0.500,URI="seg_101.p0.ts",INDEPENDENT=YES',
  '#EXT-X-PART:DURATION=0.500,URI="seg_101.p1.ts"',
  '#EXT-X-PART:DURATION=0.500,URI="seg_101.p2.ts"',
  '#EXT-X-PART:DURATION=0.500,URI="seg_101.p3.ts"',
  '#EXTINF:2.000,',
  'seg_101.ts',
  '#EXT-X-PART:DURATION=0.500,URI="seg_102.p0.ts",INDEPENDENT=YES',
  '#EXT-X-PART:DURATION=0.500,URI="seg_102.p1.ts"',
  '#EXT-X-PRELOAD-HINT:TYPE=PART,URI="seg_102.p2.ts"',
].join('\n');

describe('LL-HLS viewer', () => {
  const media = parseMedia(LL);

  it('parses parts with their parent msn and index, and the hint as the part after the last', () => {
    expect(media.parts.map((p) => `${p.msn}.${p.part}`)).toEqual([
      '101.0',
      '101.1',
      '101.2',
      '101.3',
      '102.0',
      '102.1',
    ]);
    expect(media.parts[0]).toEqual({ msn: 101, part: 0, uri: 'seg_101.p0.ts', duration: 0.5 });
    expect(media.preloadHint).toEqual({ msn: 102, part: 2, uri: 'seg_102.p2.ts' });
    expect(media.trailingParts).toBe(2);
  });

  it('tunes in at part 0 (independent) of the newest segment with parts', () => {
    expect(tuneInPart(media)).toEqual({ msn: 102, part: 0 });
    expect(tuneInPart(parseMedia('#EXTM3U\n#EXTINF:2,\na.ts'))).toBeUndefined();
  });

  it('steps through listed parts, rolls into the next segment once one is complete, else keeps growing', () => {
    expect(nextPart(media, { msn: 101, part: 2 })).toEqual({ msn: 101, part: 3 });
    expect(nextPart(media, { msn: 101, part: 3 })).toEqual({ msn: 102, part: 0 });
    expect(nextPart(media, { msn: 102, part: 1 })).toEqual({ msn: 102, part: 2 }); // the hint
  });

  it('asks for a playlist holding part P of segment M with _HLS_msn and _HLS_part', () => {
    const u = new URL(blockingUrl('http://e/llhls/ts/360p/index.m3u8?token=t', { msn: 102, part: 2 }));
    expect(u.searchParams.get('_HLS_msn')).toBe('102');
    expect(u.searchParams.get('_HLS_part')).toBe('2');
    expect(u.searchParams.get('token')).toBe('t');
  });
});
