import { describe, expect, it } from 'vitest';
import {
  computeLiveWindow,
  isLiveSegmentAvailable,
  type LiveWindow,
  type LoopSegment,
  serializeLiveWindow,
} from '../../../src/core/hls/live-window.ts';

const START = Date.UTC(2030, 0, 1);
const FIVE_TWO_SECOND: readonly LoopSegment[] = Array.from({ length: 5 }, () => ({ duration: 2 }));

function windowAt(nowMs: number, windowSize = 3, segments = FIVE_TWO_SECOND): LiveWindow {
  const r = computeLiveWindow({ segments, nowMs, startMs: START, windowSize });
  if (!r.ok) throw new Error(`unexpected issue ${r.error.reason}`);
  return r.value;
}

function tagValue(text: string, tag: string): string | undefined {
  return text
    .split('\n')
    .find((l) => l.startsWith(`${tag}:`))
    ?.slice(tag.length + 1);
}

describe('computeLiveWindow', () => {
  it('puts the live edge at floor(elapsed / segment duration)', () => {
    expect(windowAt(START + 7_999).liveEdgeMsn).toBe(3);
    expect(windowAt(START + 8_000).liveEdgeMsn).toBe(4);
  });

  it('advances EXT-X-MEDIA-SEQUENCE by one every target duration', () => {
    const a = windowAt(START + 60_000);
    const b = windowAt(START + 62_000);
    expect(b.mediaSequence).toBe(a.mediaSequence + 1);
    expect(windowAt(START + 61_999).mediaSequence).toBe(a.mediaSequence);
  });

  it('holds exactly windowSize segments ending at the live edge', () => {
    const w = windowAt(START + 60_500, 4);
    expect(w.segments.map((s) => s.msn)).toEqual([27, 28, 29, 30]);
    expect(w.mediaSequence).toBe(27);
  });

  it('never goes below msn 0 just after the start', () => {
    const w = windowAt(START + 1_000, 6);
    expect(w.mediaSequence).toBe(0);
    expect(w.segments.map((s) => s.msn)).toEqual([0]);
  });

  it('maps each msn onto source segment msn % count', () => {
    const w = windowAt(START + 20_000, 4);
    expect(w.segments.map((s) => [s.msn, s.sourceIndex])).toEqual([
      [7, 2],
      [8, 3],
      [9, 4],
      [10, 0],
    ]);
  });

  it('marks the loop wrap with EXT-X-DISCONTINUITY', () => {
    const w = windowAt(START + 22_000, 4);
    expect(w.segments.filter((s) => s.discontinuity).map((s) => s.msn)).toEqual([10]);
  });

  it('does not mark the very first segment as a discontinuity', () => {
    expect(windowAt(START, 3).segments[0]?.discontinuity).toBe(false);
  });

  it('counts the loop wraps before the window in EXT-X-DISCONTINUITY-SEQUENCE (RFC 8216 §6.2.2)', () => {
    // Window [10..12]: the wrap at msn 10 is still in the playlist, so only the wrap at 5 has left it.
    expect(windowAt(START + 24_000, 3).discontinuitySequence).toBe(1);
    // Window [11..13]: the segment carrying the wrap at 10 has left, so the sequence increments.
    expect(windowAt(START + 26_000, 3).discontinuitySequence).toBe(2);
  });

  it('gives each segment its wall-clock start as program date time', () => {
    const w = windowAt(START + 33_000, 3);
    for (const s of w.segments) expect(s.programDateTimeMs).toBe(START + s.msn * 2_000);
  });

  it('follows uneven source durations across loops', () => {
    const segments = [{ duration: 1 }, { duration: 3 }];
    // Loop is 4 s: msn 2 (source 0) starts at 4 s, msn 3 (source 1) at 5 s.
    expect(windowAt(START + 4_999, 2, segments).liveEdgeMsn).toBe(2);
    const w = windowAt(START + 5_000, 2, segments);
    expect(w.liveEdgeMsn).toBe(3);
    expect(w.segments.map((s) => s.programDateTimeMs - START)).toEqual([4_000, 5_000]);
    expect(w.targetDuration).toBe(3);
  });

  it('rounds the target duration from EXTINF to the nearest integer (RFC 8216 §4.3.3.1)', () => {
    expect(windowAt(START, 3, [{ duration: 2.002 }, { duration: 1.9 }]).targetDuration).toBe(2);
  });

  it('reports an instant before the start as not started', () => {
    const r = computeLiveWindow({
      segments: FIVE_TWO_SECOND,
      nowMs: START - 1,
      startMs: START,
      windowSize: 3,
    });
    expect(r).toEqual({ ok: false, error: { reason: 'not-started', nowMs: START - 1, startMs: START } });
  });

  it('refuses an empty source playlist', () => {
    const r = computeLiveWindow({ segments: [], nowMs: START, startMs: START, windowSize: 3 });
    expect(r.ok ? undefined : r.error.reason).toBe('empty-source');
  });

  it('refuses a zero-length source segment', () => {
    const r = computeLiveWindow({ segments: [{ duration: 0 }], nowMs: START, startMs: START, windowSize: 3 });
    expect(r.ok ? undefined : r.error.reason).toBe('bad-duration');
  });

  it('refuses a window smaller than one segment', () => {
    const r = computeLiveWindow({ segments: FIVE_TWO_SECOND, nowMs: START, startMs: START, windowSize: 0 });
    expect(r.ok ? undefined : r.error.reason).toBe('bad-window');
  });
});

describe('isLiveSegmentAvailable', () => {
  const w = windowAt(START + 60_000, 3);

  it('serves the live edge', () => {
    expect(isLiveSegmentAvailable(w, w.liveEdgeMsn, 2)).toBe(true);
  });

  it('refuses a segment past the live edge: it does not exist yet', () => {
    expect(isLiveSegmentAvailable(w, w.liveEdgeMsn + 1, 2)).toBe(false);
  });

  it('keeps serving a segment a few msns after it left the window', () => {
    expect(isLiveSegmentAvailable(w, w.mediaSequence - 2, 2)).toBe(true);
    expect(isLiveSegmentAvailable(w, w.mediaSequence - 3, 2)).toBe(false);
  });

  it('refuses negative and fractional msns', () => {
    expect(isLiveSegmentAvailable(windowAt(START, 3), -1, 5)).toBe(false);
    expect(isLiveSegmentAvailable(w, w.liveEdgeMsn - 0.5, 2)).toBe(false);
  });
});

describe('serializeLiveWindow', () => {
  const ts = (w: LiveWindow) => serializeLiveWindow(w, { segmentUri: (s) => `seg_${s.msn}.ts` });

  it('writes the window header tags (RFC 8216 §4.3.3)', () => {
    const text = ts(windowAt(START + 30_000, 3));
    expect(text.startsWith('#EXTM3U\n')).toBe(true);
    expect(tagValue(text, '#EXT-X-TARGETDURATION')).toBe('2');
    expect(tagValue(text, '#EXT-X-MEDIA-SEQUENCE')).toBe('13');
    expect(tagValue(text, '#EXT-X-DISCONTINUITY-SEQUENCE')).toBe('2');
  });

  it('leaves out EXT-X-ENDLIST and EXT-X-PLAYLIST-TYPE: the stream is live (RFC 8216 §6.2.1)', () => {
    const text = ts(windowAt(START + 30_000, 3));
    expect(text).not.toContain('#EXT-X-ENDLIST');
    expect(text).not.toContain('#EXT-X-PLAYLIST-TYPE');
  });

  it('lists every segment with its program date time, duration and URI in order', () => {
    const text = ts(windowAt(START + 4_000, 2));
    expect(text.split('\n').slice(-7)).toEqual([
      `#EXT-X-PROGRAM-DATE-TIME:${new Date(START + 2_000).toISOString()}`,
      '#EXTINF:2.000,',
      'seg_1.ts',
      `#EXT-X-PROGRAM-DATE-TIME:${new Date(START + 4_000).toISOString()}`,
      '#EXTINF:2.000,',
      'seg_2.ts',
      '',
    ]);
  });

  it('puts EXT-X-DISCONTINUITY right before the first segment of a new loop', () => {
    const lines = ts(windowAt(START + 22_000, 3)).split('\n');
    const at = lines.indexOf('#EXT-X-DISCONTINUITY');
    expect(lines.slice(at, at + 4)).toEqual([
      '#EXT-X-DISCONTINUITY',
      `#EXT-X-PROGRAM-DATE-TIME:${new Date(START + 20_000).toISOString()}`,
      '#EXTINF:2.000,',
      'seg_10.ts',
    ]);
  });

  it('declares version 6 and EXT-X-MAP for fMP4, repeating the map after a discontinuity', () => {
    const text = serializeLiveWindow(windowAt(START + 22_000, 3), {
      segmentUri: (s) => `seg_${s.msn}.m4s`,
      mapUri: 'init.mp4',
      independentSegments: true,
    });
    expect(tagValue(text, '#EXT-X-VERSION')).toBe('6');
    expect(text).toContain('#EXT-X-INDEPENDENT-SEGMENTS\n');
    expect(text).toContain('#EXT-X-DISCONTINUITY\n#EXT-X-MAP:URI="init.mp4"\n');
    expect(text.split('\n').filter((l) => l === '#EXT-X-MAP:URI="init.mp4"')).toHaveLength(2);
  });

  it('declares version 3 without a map', () => {
    expect(tagValue(ts(windowAt(START, 3)), '#EXT-X-VERSION')).toBe('3');
  });
});
