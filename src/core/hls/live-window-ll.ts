/**
 * Simulated LL-HLS (RFC 8216bis §4.4.4.9 EXT-X-PART, §4.4.5.3 EXT-X-PRELOAD-HINT, §6.2.5.2 blocking
 * reloads) over the looping live timeline of live-window.ts. Pure: no clock, no I/O.
 *
 * Every segment is cut into parts of `partTargetMs` (the last one takes the remainder). A part is
 * published when it is complete (its end ≤ now); a segment when all its parts are. The playlist lists
 * `windowSize` complete segments, parts for the last `partSegments` complete ones and for the segment
 * in progress, then a preload hint for the next part. Must not know about files or bytes.
 */
import { err, ok, type Result } from '../result.ts';
import {
  computeLiveWindow,
  type LiveWindow,
  type LiveWindowInput,
  type LiveWindowIssue,
  type LiveWindowSegment,
} from './live-window.ts';

export interface LlWindowInput extends LiveWindowInput {
  /** EXT-X-PART-INF PART-TARGET in ms (RFC 8216bis suggests 0.3–1 s). */
  readonly partTargetMs: number;
  /** Complete segments that still list their parts (default 2). */
  readonly partSegments?: number;
}

export interface LlWindow {
  /** The complete segments (the in-progress one is not among them). */
  readonly complete: LiveWindow;
  /** The segment whose parts are being published. */
  readonly current: LiveWindowSegment;
  /** Parts published of `current` (0 … partCount(current) - 1). */
  readonly currentParts: number;
  readonly partTargetMs: number;
  readonly partSegments: number;
}

/** Position of one part: segment msn and part index within it. */
export interface PartRef {
  readonly msn: number;
  readonly part: number;
}

export type LlWindowIssue =
  | LiveWindowIssue
  | { readonly reason: 'bad-part-target'; readonly partTargetMs: number };

/** Number of parts a segment of `durationS` is cut into. */
export function partCount(durationS: number, partTargetMs: number): number {
  return Math.max(1, Math.ceil(Math.round(durationS * 1000) / partTargetMs));
}

/** Duration of part `index` of a segment, in ms (the last part takes the remainder). */
export function partDurationMs(durationS: number, partTargetMs: number, index: number): number {
  const totalMs = Math.round(durationS * 1000);
  return Math.max(0, Math.min(partTargetMs, totalMs - index * partTargetMs));
}

/**
 * @example computeLlWindow({ segments, nowMs, startMs: 0, windowSize: 6, partTargetMs: 500 })
 */
export function computeLlWindow(input: LlWindowInput): Result<LlWindow, LlWindowIssue> {
  const { partTargetMs } = input;
  if (!Number.isInteger(partTargetMs) || partTargetMs < 100)
    return err({ reason: 'bad-part-target', partTargetMs });
  // One more than the window: the newest started segment is in progress, not complete.
  const computed = computeLiveWindow({ ...input, windowSize: input.windowSize + 1 });
  if (!computed.ok) return computed;
  const w = computed.value;
  const current = w.segments.at(-1);
  if (current === undefined) return err({ reason: 'empty-source' });
  const completeSegments = w.segments.slice(0, -1);
  const elapsed = input.nowMs - current.programDateTimeMs;
  const currentParts = Math.min(
    partCount(current.duration, partTargetMs) - 1,
    Math.max(0, Math.floor(elapsed / partTargetMs)),
  );
  return ok({
    complete: { ...w, segments: completeSegments, liveEdgeMsn: current.msn - 1 },
    current,
    currentParts,
    partTargetMs,
    partSegments: input.partSegments ?? 2,
  });
}

/** The next part to be published: the preload hint (RFC 8216bis §4.4.5.3). */
export function nextPart(w: LlWindow): PartRef {
  return { msn: w.current.msn, part: w.currentParts };
}

/** Whether part `ref` is published: of a complete segment, or of the current one below the count. */
export function isPartPublished(w: LlWindow, ref: PartRef): boolean {
  if (ref.msn < w.current.msn) return ref.msn >= 0;
  return ref.msn === w.current.msn && ref.part < w.currentParts;
}

/** What a blocking playlist reload (`_HLS_msn`, `_HLS_part`) gets now (RFC 8216bis §6.2.5.2). */
export type BlockingDecision = 'ready' | 'hold' | 'too-far';

/**
 * `ready`: the playlist already holds segment `msn` (or that part); `hold`: it will within the
 * advance limits; `too-far`: "If the _HLS_msn is greater than the Media Sequence Number of the last
 * Media Segment in the current Playlist plus two, or if the _HLS_part exceeds the last Partial
 * Segment in the current Playlist by the Advance Part Limit, then the server SHOULD immediately
 * return Bad Request" (Advance Part Limit: 3 / part target when it is under 1 s, else 3).
 *
 * @example blockingReload(w, { msn: w.current.msn + 5 }) // 'too-far'
 */
export function blockingReload(w: LlWindow, request: { msn: number; part?: number }): BlockingDecision {
  const lastMsn = w.current.msn - 1;
  if (request.msn > lastMsn + 2) return 'too-far';
  if (request.part === undefined) return request.msn <= lastMsn ? 'ready' : 'hold';
  if (isPartPublished(w, { msn: request.msn, part: request.part })) return 'ready';
  const perSegment = partCount(w.current.duration, w.partTargetMs);
  const limit = w.partTargetMs < 1000 ? Math.floor(3000 / w.partTargetMs) : 3;
  const requested = (request.msn - w.current.msn) * perSegment + request.part;
  return requested - (w.currentParts - 1) > limit ? 'too-far' : 'hold';
}

/**
 * The last published part (RFC 8216bis §4.4.5.4 LAST-MSN / LAST-PART): of the segment in progress,
 * or the last part of the newest complete segment when none of the current one is out yet.
 */
export function lastPart(w: LlWindow): PartRef {
  if (w.currentParts > 0) return { msn: w.current.msn, part: w.currentParts - 1 };
  const previous = w.complete.segments.at(-1);
  const duration = previous?.duration ?? w.current.duration;
  return { msn: w.current.msn - 1, part: partCount(duration, w.partTargetMs) - 1 };
}

export interface SerializeLlOptions {
  readonly segmentUri: (segment: LiveWindowSegment) => string;
  readonly partUri: (segment: LiveWindowSegment, part: number) => string;
  readonly independentSegments?: boolean;
  /**
   * URIs of the other renditions (relative to this playlist). They share this timeline, so each
   * gets an EXT-X-RENDITION-REPORT with this playlist's last segment and part.
   */
  readonly renditionReports?: readonly string[];
}

/** Serialises the LL-HLS media playlist (no ENDLIST). */
export function serializeLlWindow(w: LlWindow, options: SerializeLlOptions): string {
  const partTargetS = w.partTargetMs / 1000;
  const lines = ['#EXTM3U', '#EXT-X-VERSION:6'];
  if (options.independentSegments === true) lines.push('#EXT-X-INDEPENDENT-SEGMENTS');
  lines.push(
    `#EXT-X-TARGETDURATION:${w.complete.targetDuration}`,
    // §4.4.3.8: PART-HOLD-BACK at least three part targets.
    `#EXT-X-SERVER-CONTROL:CAN-BLOCK-RELOAD=YES,PART-HOLD-BACK=${(3 * partTargetS).toFixed(3)}`,
    `#EXT-X-PART-INF:PART-TARGET=${partTargetS.toFixed(3)}`,
    `#EXT-X-MEDIA-SEQUENCE:${w.complete.mediaSequence}`,
    `#EXT-X-DISCONTINUITY-SEQUENCE:${w.complete.discontinuitySequence}`,
  );
  const firstWithParts = w.current.msn - w.partSegments;
  const segmentLines = (s: LiveWindowSegment, parts: number) => {
    if (s.discontinuity) lines.push('#EXT-X-DISCONTINUITY');
    lines.push(`#EXT-X-PROGRAM-DATE-TIME:${new Date(s.programDateTimeMs).toISOString()}`);
    for (let p = 0; p < parts; p++) {
      const dur = (partDurationMs(s.duration, w.partTargetMs, p) / 1000).toFixed(3);
      const independent = p === 0 ? ',INDEPENDENT=YES' : '';
      lines.push(`#EXT-X-PART:DURATION=${dur},URI="${options.partUri(s, p)}"${independent}`);
    }
  };
  for (const s of w.complete.segments) {
    segmentLines(s, s.msn >= firstWithParts ? partCount(s.duration, w.partTargetMs) : 0);
    lines.push(`#EXTINF:${s.duration.toFixed(3)},`, options.segmentUri(s));
  }
  segmentLines(w.current, w.currentParts);
  const hint = nextPart(w);
  lines.push(`#EXT-X-PRELOAD-HINT:TYPE=PART,URI="${options.partUri(w.current, hint.part)}"`);
  // §4.4.5.4 EXT-X-RENDITION-REPORT: lets a client that switches rendition make its first request
  // there a blocking reload for the right msn/part instead of a plain reload.
  const last = lastPart(w);
  for (const uri of options.renditionReports ?? []) {
    lines.push(`#EXT-X-RENDITION-REPORT:URI="${uri}",LAST-MSN=${last.msn},LAST-PART=${last.part}`);
  }
  return `${lines.join('\n')}\n`;
}

/** Wall-clock ms at which part `ref` is published (its end), for holding a preload-hint request. */
export function partPublishedAtMs(w: LlWindow, ref: PartRef): number {
  const segmentsAhead = ref.msn - w.current.msn;
  const segmentMs = Math.round(w.current.duration * 1000);
  const start = w.current.programDateTimeMs + segmentsAhead * segmentMs;
  return start + Math.min(segmentMs, (ref.part + 1) * w.partTargetMs);
}
