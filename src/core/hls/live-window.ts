/**
 * Simulated live HLS over a looping VOD rendition: which segments are in the sliding window at a given
 * instant, and the media playlist text for it. Pure: no clock, no I/O — `nowMs` and `startMs` come in
 * as arguments so the dev packager, tests and benches all get the same answer for the same instant.
 *
 * Timeline: the VOD segments play back to back forever from `startMs`. Media sequence number (msn) N
 * is VOD segment N % count of loop floor(N / count); it becomes available the moment it starts, so the
 * live edge is the segment whose start time is the latest one ≤ now (floor((now - start) / segDur)
 * when all segments are one duration long).
 */
import { err, ok, type Result } from '../result.ts';

/** One source (VOD) segment; `duration` in seconds, as in EXTINF. */
export interface LoopSegment {
  readonly duration: number;
}

export interface LiveWindowInput {
  /** The VOD media playlist's segments, in order; the live stream loops over them. */
  readonly segments: readonly LoopSegment[];
  readonly nowMs: number;
  /** Wall-clock instant at which msn 0 starts. */
  readonly startMs: number;
  /** Number of segments in the sliding window (the live edge included). */
  readonly windowSize: number;
}

export interface LiveWindowSegment {
  /** Media sequence number (RFC 8216 §3). */
  readonly msn: number;
  /** Index into the source segments whose bytes this msn carries. */
  readonly sourceIndex: number;
  readonly duration: number;
  readonly programDateTimeMs: number;
  /** True on the first segment of every loop after the first: timestamps restart there. */
  readonly discontinuity: boolean;
}

export interface LiveWindow {
  readonly targetDuration: number;
  readonly mediaSequence: number;
  readonly discontinuitySequence: number;
  readonly liveEdgeMsn: number;
  readonly segments: readonly LiveWindowSegment[];
}

export type LiveWindowIssue =
  | { readonly reason: 'empty-source' }
  | { readonly reason: 'bad-duration'; readonly index: number; readonly duration: number }
  | { readonly reason: 'bad-window'; readonly windowSize: number }
  | { readonly reason: 'not-started'; readonly nowMs: number; readonly startMs: number };

/**
 * Computes the sliding window at `nowMs`. Before `startMs` there is no stream yet (`not-started`);
 * right after it the window holds fewer than `windowSize` segments because msn never goes below 0.
 *
 * @example
 *   computeLiveWindow({ segments: [{ duration: 2 }, { duration: 2 }], nowMs: 9_000, startMs: 0, windowSize: 3 })
 *   // ok({ mediaSequence: 2, liveEdgeMsn: 4, discontinuitySequence: 0, segments: [msn 2, 3, 4], … })
 */
export function computeLiveWindow(input: LiveWindowInput): Result<LiveWindow, LiveWindowIssue> {
  const { segments, nowMs, startMs, windowSize } = input;
  const count = segments.length;
  if (count === 0) return err({ reason: 'empty-source' });
  if (!Number.isInteger(windowSize) || windowSize < 1) return err({ reason: 'bad-window', windowSize });
  // Integer milliseconds keep the loop arithmetic exact (EXTINF 2.000000 → 2000).
  const durationsMs: number[] = [];
  for (const [index, segment] of segments.entries()) {
    const ms = Math.round(segment.duration * 1000);
    if (!Number.isFinite(segment.duration) || ms <= 0) {
      return err({ reason: 'bad-duration', index, duration: segment.duration });
    }
    durationsMs.push(ms);
  }
  if (nowMs < startMs) return err({ reason: 'not-started', nowMs, startMs });

  const offsetsMs = startOffsets(durationsMs);
  const loopMs = offsetsMs[count] ?? 0;
  const elapsedMs = nowMs - startMs;
  const loop = Math.floor(elapsedMs / loopMs);
  const withinLoopMs = elapsedMs - loop * loopMs;
  let edgeIndex = 0;
  while (edgeIndex + 1 < count && (offsetsMs[edgeIndex + 1] ?? 0) <= withinLoopMs) edgeIndex += 1;
  const liveEdgeMsn = loop * count + edgeIndex;
  const mediaSequence = Math.max(0, liveEdgeMsn - windowSize + 1);

  const windowSegments: LiveWindowSegment[] = [];
  for (let msn = mediaSequence; msn <= liveEdgeMsn; msn += 1) {
    const sourceIndex = msn % count;
    const loopOfMsn = Math.floor(msn / count);
    windowSegments.push({
      msn,
      sourceIndex,
      duration: segments[sourceIndex]?.duration ?? 0,
      programDateTimeMs: startMs + loopOfMsn * loopMs + (offsetsMs[sourceIndex] ?? 0),
      discontinuity: sourceIndex === 0 && msn > 0,
    });
  }

  return ok({
    // RFC 8216 §4.3.3.1: every EXTINF, rounded to the nearest integer, MUST be <= the target duration.
    targetDuration: Math.max(1, ...segments.map((s) => Math.round(s.duration))),
    mediaSequence,
    discontinuitySequence: wrapsBefore(mediaSequence, count),
    liveEdgeMsn,
    segments: windowSegments,
  });
}

/**
 * Whether a live segment may be served: it must have started (≤ live edge) and not have left the
 * window more than `graceSegments` ago (players that loaded the previous playlist still ask for it).
 *
 * @example isLiveSegmentAvailable(window, window.liveEdgeMsn + 1, 3) // false: it does not exist yet
 */
export function isLiveSegmentAvailable(window: LiveWindow, msn: number, graceSegments: number): boolean {
  return (
    Number.isSafeInteger(msn) &&
    msn >= 0 &&
    msn <= window.liveEdgeMsn &&
    msn >= window.mediaSequence - Math.max(0, graceSegments)
  );
}

export interface SerializeLiveOptions {
  /** URI written for a window segment, e.g. `seg_${msn}.ts`. */
  readonly segmentUri: (segment: LiveWindowSegment) => string;
  /** EXT-X-MAP URI for fMP4 renditions. */
  readonly mapUri?: string;
  /** Emit EXT-X-INDEPENDENT-SEGMENTS (every segment starts with a key frame). */
  readonly independentSegments?: boolean;
}

/**
 * Serialises the window as a live media playlist (no EXT-X-ENDLIST, no EXT-X-PLAYLIST-TYPE).
 *
 * @example serializeLiveWindow(w, { segmentUri: (s) => `seg_${s.msn}.ts` }) // '#EXTM3U\n#EXT-X-VERSION:3\n…'
 */
export function serializeLiveWindow(window: LiveWindow, options: SerializeLiveOptions): string {
  const map = options.mapUri === undefined ? undefined : `#EXT-X-MAP:URI="${options.mapUri}"`;
  // RFC 8216 §7: EXT-X-MAP in a media playlist without I-FRAMES-ONLY needs version 6;
  // floating-point EXTINF needs version 3.
  const lines = ['#EXTM3U', `#EXT-X-VERSION:${map === undefined ? 3 : 6}`];
  if (options.independentSegments === true) lines.push('#EXT-X-INDEPENDENT-SEGMENTS');
  lines.push(
    `#EXT-X-TARGETDURATION:${window.targetDuration}`,
    `#EXT-X-MEDIA-SEQUENCE:${window.mediaSequence}`,
    `#EXT-X-DISCONTINUITY-SEQUENCE:${window.discontinuitySequence}`,
  );
  if (map !== undefined) lines.push(map);
  for (const segment of window.segments) {
    if (segment.discontinuity) {
      lines.push('#EXT-X-DISCONTINUITY');
      // Repeat the map after a discontinuity so players that reset their demuxer there re-read it.
      if (map !== undefined) lines.push(map);
    }
    lines.push(
      `#EXT-X-PROGRAM-DATE-TIME:${new Date(segment.programDateTimeMs).toISOString()}`,
      `#EXTINF:${segment.duration.toFixed(3)},`,
      options.segmentUri(segment),
    );
  }
  return `${lines.join('\n')}\n`;
}

/** Start offset of every source segment within one loop, plus the loop length at index `count`. */
function startOffsets(durationsMs: readonly number[]): number[] {
  const offsets = [0];
  let total = 0;
  for (const ms of durationsMs) {
    total += ms;
    offsets.push(total);
  }
  return offsets;
}

/**
 * RFC 8216 §6.2.2: the server increments EXT-X-DISCONTINUITY-SEQUENCE each time a segment carrying
 * EXT-X-DISCONTINUITY leaves the playlist, so it counts the loop wraps strictly before the first msn.
 */
function wrapsBefore(firstMsn: number, count: number): number {
  return firstMsn === 0 ? 0 : Math.floor((firstMsn - 1) / count);
}
