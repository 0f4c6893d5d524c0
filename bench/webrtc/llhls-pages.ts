/**
 * Browser-side probe for the LL-HLS half of the WebRTC bench, run in the dev player page
 * (scripts/player/index.html, hls.js in lowLatencyMode, which exposes `window.__hls`). Installed
 * before the page's scripts run, it records the first presented frame (join time) and, once
 * recording starts, every presented frame with the hls.js fragment it belongs to; the latency
 * arithmetic is done outside the page (llhls-latency.ts). Must not assert; returns numbers.
 */
import type { Page } from 'playwright-core';
import type { LlhlsFrameSample } from './llhls-latency.ts';

interface ProbeState {
  /** performance.now() of the first presented frame (ms since navigation start). */
  firstFrameMs: number | null;
  recording: boolean;
  samples: LlhlsFrameSample[];
  /** Frames presented while recording that no fragment with a PROGRAM-DATE-TIME covered. */
  unmapped: number;
}

/** Must be called before `page.goto`. */
export async function installLlhlsProbe(page: Page): Promise<void> {
  await page.addInitScript(() => {
    interface Frag {
      start: number;
      duration: number;
      programDateTime: number | null;
    }
    interface HlsLike {
      currentLevel: number;
      levels: { details?: { fragments: Frag[]; fragmentHint?: Frag } }[];
    }
    const w = window as unknown as { __llhls: ProbeState; __hls?: HlsLike };
    const probe: ProbeState = { firstFrameMs: null, recording: false, samples: [], unmapped: 0 };
    w.__llhls = probe;
    // The frame's own segment: the last fragment starting at or before its media time (5 ms of
    // slack: hls.js aligns frag.start to the earliest audio or video timestamp).
    const fragmentAt = (mediaTime: number): Frag | undefined => {
      const hls = w.__hls;
      const details = hls?.levels[hls.currentLevel]?.details;
      if (!details) return undefined;
      const frags = details.fragmentHint ? [...details.fragments, details.fragmentHint] : details.fragments;
      let found: Frag | undefined;
      for (const f of frags) if (f.start <= mediaTime + 0.005) found = f;
      return found && mediaTime < found.start + found.duration + 0.5 ? found : undefined;
    };
    document.addEventListener('DOMContentLoaded', () => {
      const video = document.getElementById('video') as HTMLVideoElement | null;
      if (!video) return;
      const onFrame = (_now: number, meta: VideoFrameCallbackMetadata): void => {
        const presentedAtMs = Date.now();
        if (probe.firstFrameMs === null) probe.firstFrameMs = performance.now();
        if (probe.recording) {
          const frag = fragmentAt(meta.mediaTime);
          if (frag && frag.programDateTime !== null) {
            probe.samples.push({
              presentedAtMs,
              mediaTime: meta.mediaTime,
              fragStart: frag.start,
              fragProgramDateTimeMs: frag.programDateTime,
            });
          } else {
            probe.unmapped++;
          }
        }
        video.requestVideoFrameCallback(onFrame);
      };
      video.requestVideoFrameCallback(onFrame);
    });
  });
}

export interface LlhlsJoin {
  /** Navigation start → first presented frame (ms): page, hls.js load, playlists, parts, decode. */
  readonly fromPageStartMs: number | null;
  /** First master playlist request → first presented frame (ms). */
  readonly fromFirstRequestMs: number | null;
  /** `type:details` of hls.js's first fatal error, if any. */
  readonly fatal: string | null;
}

/** Waits until the page presented a frame or hls.js failed (throws on timeout). */
export async function llhlsJoined(page: Page, timeoutMs: number): Promise<LlhlsJoin> {
  await page.waitForFunction(
    () => {
      const w = window as unknown as { __llhls: ProbeState; __player?: { fatal: string | null } };
      return w.__llhls.firstFrameMs !== null || (w.__player?.fatal ?? null) !== null;
    },
    undefined,
    { timeout: timeoutMs, polling: 100 },
  );
  return page.evaluate(() => {
    const w = window as unknown as { __llhls: ProbeState; __player?: { fatal: string | null } };
    const first = w.__llhls.firstFrameMs;
    const master = performance
      .getEntriesByType('resource')
      .find((e) => new URL(e.name).pathname.endsWith('/master.m3u8'));
    return {
      fromPageStartMs: first,
      fromFirstRequestMs: first === null || master === undefined ? null : first - master.startTime,
      fatal: w.__player?.fatal ?? null,
    };
  });
}

/** Starts recording presented frames (after every viewer joined, so joins do not skew latency). */
export function startLlhlsRecording(page: Page): Promise<void> {
  return page.evaluate(() => {
    (window as unknown as { __llhls: ProbeState }).__llhls.recording = true;
  });
}

export function readLlhlsSamples(page: Page): Promise<{ samples: LlhlsFrameSample[]; unmapped: number }> {
  return page.evaluate(() => {
    const probe = (window as unknown as { __llhls: ProbeState }).__llhls;
    return { samples: probe.samples, unmapped: probe.unmapped };
  });
}
