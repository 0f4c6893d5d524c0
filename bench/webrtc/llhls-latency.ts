/**
 * LL-HLS latency from what an hls.js page records per presented frame. Pure: no clock, no I/O.
 *
 * The dev packager's simulated live origin (src/core/hls/live-window-ll.ts) has no encoder: the
 * frame at offset o of a segment is "captured" at the segment's EXT-X-PROGRAM-DATE-TIME + o, and
 * the part holding it is published when the part ends (PDT + (k + 1) × part target), as a real
 * LL-HLS packager can only publish a part once its last frame exists. So from one frame we get:
 *   - latency from capture: presented-at − (PDT + o), the like-for-like of WebRTC's
 *     canvas-clock glass-to-glass, minus the encoder delay a camera pipeline would add;
 *   - latency from part availability: presented-at − end of that frame's part, the part of the
 *     delay the delivery path (edge → hls.js → decode) adds once the origin has the bytes.
 */

/** One presented frame as the page saw it (hls.js fragment of the frame's media time). */
export interface LlhlsFrameSample {
  /** Date.now() in the requestVideoFrameCallback of the frame. */
  readonly presentedAtMs: number;
  /** The frame's media time (s), requestVideoFrameCallback metadata.mediaTime. */
  readonly mediaTime: number;
  /** hls.js `frag.start` (s) of the segment holding it. */
  readonly fragStart: number;
  /** hls.js `frag.programDateTime` (epoch ms) of that segment. */
  readonly fragProgramDateTimeMs: number;
}

export interface LlhlsFrameLatency {
  readonly fromCaptureMs: number;
  readonly fromAvailabilityMs: number;
}

/**
 * The packager cuts part k at the first video frame at least k × target after the segment start,
 * with 5 ms of tolerance (src/core/hls/ts-part-cuts.ts); the same tolerance here puts a frame that
 * sits on a boundary (float rounding of media time) into the part it was cut into.
 */
const BOUNDARY_TOLERANCE_MS = 5;

/**
 * @example frameLatency({ presentedAtMs: 10_900, mediaTime: 20.6, fragStart: 20, fragProgramDateTimeMs: 9_000 }, 500)
 *   // { fromCaptureMs: 1300, fromAvailabilityMs: 900 }  (captured 9600, part 1 ends 10000)
 */
export function frameLatency(sample: LlhlsFrameSample, partTargetMs: number): LlhlsFrameLatency {
  const offsetMs = Math.max(0, (sample.mediaTime - sample.fragStart) * 1000);
  const capturedAtMs = sample.fragProgramDateTimeMs + offsetMs;
  const part = Math.floor((offsetMs + BOUNDARY_TOLERANCE_MS) / partTargetMs);
  const availableAtMs = sample.fragProgramDateTimeMs + (part + 1) * partTargetMs;
  return {
    fromCaptureMs: sample.presentedAtMs - capturedAtMs,
    fromAvailabilityMs: sample.presentedAtMs - availableAtMs,
  };
}

/** Readings that cannot be a live frame (no PDT mapping yet, a stale fragment, a clock jump). */
export function plausibleLatency(latencyMs: number): boolean {
  return Number.isFinite(latencyMs) && latencyMs > -1000 && latencyMs < 60_000;
}

/**
 * Latencies of every plausible sample, and how many were dropped.
 *
 * @example frameLatencies(samples, 500) // { fromCaptureMs: [...], fromAvailabilityMs: [...], implausible: 0 }
 */
export function frameLatencies(
  samples: readonly LlhlsFrameSample[],
  partTargetMs: number,
): { fromCaptureMs: number[]; fromAvailabilityMs: number[]; implausible: number } {
  const fromCaptureMs: number[] = [];
  const fromAvailabilityMs: number[] = [];
  let implausible = 0;
  for (const sample of samples) {
    const l = frameLatency(sample, partTargetMs);
    if (plausibleLatency(l.fromCaptureMs) && plausibleLatency(l.fromAvailabilityMs)) {
      fromCaptureMs.push(l.fromCaptureMs);
      fromAvailabilityMs.push(l.fromAvailabilityMs);
    } else {
      implausible++;
    }
  }
  return { fromCaptureMs, fromAvailabilityMs, implausible };
}
