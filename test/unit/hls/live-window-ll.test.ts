import { describe, expect, it } from 'vitest';
import {
  blockingReload,
  computeLlWindow,
  isPartPublished,
  lastPart,
  nextPart,
  partPublishedAtMs,
  serializeLlWindow,
} from '../../../src/core/hls/live-window-ll.ts';

const segments = Array.from({ length: 5 }, () => ({ duration: 2 }));
// 20.7 s after start: msn 10 is in progress (started at 20 s), one 0.5 s part published.
const at = (nowMs: number) => {
  const r = computeLlWindow({ segments, nowMs, startMs: 0, windowSize: 3, partTargetMs: 500 });
  if (!r.ok) throw new Error(r.error.reason);
  return r.value;
};

describe('computeLlWindow', () => {
  it('lists complete segments and publishes parts of the one in progress as they complete', () => {
    const w = at(20_700);
    expect(w.complete.segments.map((s) => s.msn)).toEqual([7, 8, 9]);
    expect(w.current.msn).toBe(10);
    expect(w.currentParts).toBe(1);
    expect(nextPart(w)).toEqual({ msn: 10, part: 1 });
    expect(isPartPublished(w, { msn: 10, part: 0 })).toBe(true);
    expect(isPartPublished(w, { msn: 10, part: 1 })).toBe(false);
    expect(partPublishedAtMs(w, { msn: 10, part: 1 })).toBe(21_000);
  });

  it('refuses a part target under 100 ms', () => {
    expect(computeLlWindow({ segments, nowMs: 1, startMs: 0, windowSize: 3, partTargetMs: 10 }).ok).toBe(
      false,
    );
  });
});

describe('blockingReload (RFC 8216bis §6.2.5.2)', () => {
  const w = at(20_700);
  it('is ready once the playlist holds the requested segment or part', () => {
    expect(blockingReload(w, { msn: 9 })).toBe('ready');
    expect(blockingReload(w, { msn: 10, part: 0 })).toBe('ready');
  });

  it('holds for the next part and for the next segment', () => {
    expect(blockingReload(w, { msn: 10, part: 1 })).toBe('hold');
    expect(blockingReload(w, { msn: 10 })).toBe('hold');
  });

  // "If the _HLS_msn is greater than the Media Sequence Number of the last Media Segment in the
  // current Playlist plus two … the server SHOULD immediately return Bad Request".
  it('answers too-far beyond the last segment plus two', () => {
    expect(blockingReload(w, { msn: 11 })).toBe('hold');
    expect(blockingReload(w, { msn: 12 })).toBe('too-far');
  });

  it('answers too-far when the part exceeds the Advance Part Limit (3 / part target)', () => {
    expect(blockingReload(w, { msn: 11, part: 2 })).toBe('hold');
    expect(blockingReload(w, { msn: 11, part: 3 })).toBe('too-far');
  });
});

describe('serializeLlWindow', () => {
  it('writes server control, part info, parts, and a preload hint for the next part', () => {
    const text = serializeLlWindow(at(20_700), {
      segmentUri: (s) => `seg_${s.msn}.ts`,
      partUri: (s, p) => `seg_${s.msn}.p${p}.ts`,
    });
    expect(text).toContain('#EXT-X-SERVER-CONTROL:CAN-BLOCK-RELOAD=YES,PART-HOLD-BACK=1.500');
    expect(text).toContain('#EXT-X-PART-INF:PART-TARGET=0.500');
    expect(text).toContain('#EXT-X-PART:DURATION=0.500,URI="seg_10.p0.ts",INDEPENDENT=YES');
    expect(text).not.toContain('seg_7.p0.ts');
    expect(text).toContain('seg_8.p3.ts');
    expect(text.trimEnd().split('\n').at(-1)).toBe('#EXT-X-PRELOAD-HINT:TYPE=PART,URI="seg_10.p1.ts"');
    expect(text).not.toContain('ENDLIST');
  });

  // RFC 8216bis §4.4.5.4: LAST-MSN / LAST-PART "of the last Partial Segment" of the other rendition,
  // which shares this timeline.
  it("reports the other renditions with this playlist's last segment and part", () => {
    const text = serializeLlWindow(at(20_700), {
      segmentUri: (s) => `seg_${s.msn}.ts`,
      partUri: (s, p) => `seg_${s.msn}.p${p}.ts`,
      renditionReports: ['../540p/index.m3u8', '../720p/index.m3u8'],
    });
    expect(text.trimEnd().split('\n').slice(-2)).toEqual([
      '#EXT-X-RENDITION-REPORT:URI="../540p/index.m3u8",LAST-MSN=10,LAST-PART=0',
      '#EXT-X-RENDITION-REPORT:URI="../720p/index.m3u8",LAST-MSN=10,LAST-PART=0',
    ]);
  });
});

describe('lastPart', () => {
  it('is the newest published part of the segment in progress', () => {
    expect(lastPart(at(21_600))).toEqual({ msn: 10, part: 2 });
  });

  it('is the last part of the newest complete segment before the first part is out', () => {
    expect(lastPart(at(20_100))).toEqual({ msn: 9, part: 3 });
  });
});
