/**
 * The LL-HLS half of the WebRTC bench: latency of a presented frame from its simulated capture and
 * from its part's availability at the dev packager, and the side-by-side table with WebRTC.
 */
import { describe, expect, it } from 'vitest';
import type { TrendStats } from '../../../bench/lib/percentiles.ts';
import { frameLatencies, frameLatency } from '../../../bench/webrtc/llhls-latency.ts';
import {
  LATENCY_NOTES,
  type LlhlsBenchResult,
  renderWebRtcBench,
  type WebRtcBenchResult,
} from '../../../bench/webrtc/report.ts';
import { computeLlWindow, partPublishedAtMs } from '../../../src/core/hls/live-window-ll.ts';

const PART = 500;

describe('LL-HLS frame latency', () => {
  it('measures from the frame time the packager stamped (PROGRAM-DATE-TIME + offset in the segment)', () => {
    const l = frameLatency(
      { presentedAtMs: 12_000, mediaTime: 20.25, fragStart: 20, fragProgramDateTimeMs: 10_000 },
      PART,
    );
    expect(l.fromCaptureMs).toBe(1750);
    // The frame sits in part 0, published when that part ends (10 500).
    expect(l.fromAvailabilityMs).toBe(1500);
  });

  it('puts a frame on a part boundary (media time rounding) into the part that starts there', () => {
    const onBoundary = frameLatency(
      { presentedAtMs: 12_000, mediaTime: 20.4999999, fragStart: 20, fragProgramDateTimeMs: 10_000 },
      PART,
    );
    expect(onBoundary.fromAvailabilityMs).toBe(1000); // part 1 ends at 11 000
    const lastFrameOfPart0 = frameLatency(
      { presentedAtMs: 12_000, mediaTime: 20.4666, fragStart: 20, fragProgramDateTimeMs: 10_000 },
      PART,
    );
    expect(lastFrameOfPart0.fromAvailabilityMs).toBe(1500);
  });

  it("agrees with the packager's own publishing schedule for every part of a segment", () => {
    const segments = Array.from({ length: 5 }, () => ({ uri: 's.ts', duration: 2 }));
    const startMs = 1_000_000;
    const w = computeLlWindow({
      segments,
      nowMs: startMs + 9_100,
      startMs,
      windowSize: 3,
      partTargetMs: PART,
    });
    if (!w.ok) throw new Error('window');
    const segment = w.value.current;
    for (let part = 0; part < 4; part++) {
      for (const frameInPart of [0, 7, 14]) {
        const offsetS = (part * PART) / 1000 + frameInPart / 30;
        const presentedAtMs = segment.programDateTimeMs + 5_000;
        const l = frameLatency(
          {
            presentedAtMs,
            mediaTime: 40 + offsetS,
            fragStart: 40,
            fragProgramDateTimeMs: segment.programDateTimeMs,
          },
          PART,
        );
        const published = partPublishedAtMs(w.value, { msn: segment.msn, part });
        expect(presentedAtMs - l.fromAvailabilityMs).toBeCloseTo(published, 6);
      }
    }
  });

  it('drops readings that cannot be a live frame and counts them', () => {
    const good = { presentedAtMs: 12_000, mediaTime: 20.25, fragStart: 20, fragProgramDateTimeMs: 10_000 };
    const r = frameLatencies(
      [good, { ...good, fragProgramDateTimeMs: -3_600_000 }, { ...good, presentedAtMs: 5_000 }],
      PART,
    );
    expect(r.fromCaptureMs).toEqual([1750]);
    expect(r.fromAvailabilityMs).toEqual([1500]);
    expect(r.implausible).toBe(2);
  });
});

const stats = (med: number, p95: number): TrendStats => ({
  count: 10,
  avg: med,
  min: med,
  med,
  max: p95,
  'p(90)': p95,
  'p(95)': p95,
  'p(99)': p95,
});

const llhls: LlhlsBenchResult = {
  viewers: 2,
  windowSeconds: 8,
  partTargetMs: 500,
  joinMs: { fromPageStart: stats(1100, 1300), fromFirstRequest: stats(850, 990) },
  latencyMs: {
    fromCapture: stats(2260, 2290),
    fromAvailability: stats(2000, 2230),
    unmappedFrames: 0,
    perViewerFromCaptureMedianMs: [2250, 2270],
  },
};

const webrtc: WebRtcBenchResult = {
  viewers: 2,
  windowSeconds: 8,
  joinMs: { sample: stats(470, 610), whip: stats(300, 380) },
  latencyMs: { ...stats(37, 73), unreadableFrames: 0 },
  serverCpu: { idleCores: 0.02, loadedCores: 0.08, perViewerCores: 0.03 },
  viewerBytesPerSecond: 870_000,
  ledgerRecords: 5,
  llhls,
};

describe('WebRTC bench table with LL-HLS beside it', () => {
  it('shows both protocols side by side with what each latency includes', () => {
    const text = renderWebRtcBench(webrtc);
    expect(text).toContain('== LL-HLS on the same box');
    expect(text).toMatch(/WebRTC \(WHIP → SFU → WHEP\)\s+300 ms \/ 380 ms\s+37 ms \/ 73 ms glass-to-glass/);
    expect(text).toMatch(
      /LL-HLS \(origin → edge → hls\.js\)\s+850 ms \/ 990 ms\s+2260 ms \/ 2290 ms from capture/,
    );
    expect(text).toContain('2000 ms / 2230 ms from part availability');
    expect(text).toMatch(/each viewer's p50 from capture\s+2250 ms, 2270 ms/);
    for (const note of LATENCY_NOTES) expect(text).toContain(note);
  });

  it('leaves the LL-HLS rows out when it was skipped', () => {
    const text = renderWebRtcBench({ ...webrtc, llhls: null });
    expect(text).not.toContain('== LL-HLS');
    expect(text).not.toContain('from capture p50');
    expect(text).toContain('glass-to-glass');
  });
});
