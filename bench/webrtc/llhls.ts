/**
 * The LL-HLS half of `npm run bench:webrtc`: the local stack (dev packager's simulated LL-HLS
 * stream → shield → edge, tokens on), one headless Chromium, N player pages (hls.js in
 * lowLatencyMode) opened one after another on the signed `/llhls/ts/master.m3u8`, then a window
 * in which every presented frame of every page is timed against the wall-clock time the packager
 * made it (llhls-latency.ts says what each figure includes). Bounded: every wait has a timeout, and
 * the browser and the stack are stopped on every exit path.
 */
import { resolve } from 'node:path';
import { type Browser, chromium, type Page } from 'playwright-core';
import { ensureMedia } from '../../scripts/media/make-media.ts';
import { PART_TARGET_MS } from '../../scripts/packager/live-ll.ts';
import { type PlayerServer, startPlayerServer } from '../../scripts/player/server.ts';
import { REPO_ROOT, type Stack, startStack } from '../../scripts/stack/start-stack.ts';
import { trendStats } from '../lib/percentiles.ts';
import { frameLatencies } from './llhls-latency.ts';
import { installLlhlsProbe, llhlsJoined, readLlhlsSamples, startLlhlsRecording } from './llhls-pages.ts';
import type { LlhlsBenchResult } from './report.ts';

const JOIN_TIMEOUT_MS = 60_000;

/** How far hls.js settled: a fresh page seeks to the live edge minus PART-HOLD-BACK first. */
const SETTLE_MS = 2_000;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * @example const llhls = await runLlhlsBench({ viewers: 2, seconds: 8 });
 */
export async function runLlhlsBench(options: {
  readonly viewers: number;
  readonly seconds: number;
}): Promise<LlhlsBenchResult> {
  const mediaDir = resolve(REPO_ROOT, '.media');
  await ensureMedia(mediaDir);
  let stack: Stack | undefined;
  let player: PlayerServer | undefined;
  let browser: Browser | undefined;
  try {
    stack = await startStack({ mediaDir });
    player = await startPlayerServer(0);
    browser = await chromium.launch({
      executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--autoplay-policy=no-user-gesture-required'],
    });
    const src = await stack.sign('/llhls/ts/master.m3u8', { in: 'path' });
    const pages: Page[] = [];
    const fromPageStart: number[] = [];
    const fromFirstRequest: number[] = [];
    for (let i = 0; i < options.viewers; i++) {
      const page = await browser.newPage();
      await installLlhlsProbe(page);
      await page.goto(player.pageFor(src));
      const join = await llhlsJoined(page, JOIN_TIMEOUT_MS);
      if (join.fatal !== null || join.fromPageStartMs === null) {
        throw new Error(`LL-HLS viewer failed: ${join.fatal ?? 'no frame'}`);
      }
      fromPageStart.push(join.fromPageStartMs);
      if (join.fromFirstRequestMs !== null) fromFirstRequest.push(join.fromFirstRequestMs);
      pages.push(page);
    }
    await sleep(SETTLE_MS);
    for (const page of pages) await startLlhlsRecording(page);
    await sleep(options.seconds * 1000);
    const samples = [];
    const perViewer: number[] = [];
    let unmapped = 0;
    for (const page of pages) {
      const read = await readLlhlsSamples(page);
      samples.push(...read.samples);
      unmapped += read.unmapped;
      // A viewer keeps the latency it started with (hls.js does not speed up by default), so the
      // pooled percentiles mix viewers; each one's median shows the spread between them.
      perViewer.push(trendStats(frameLatencies(read.samples, PART_TARGET_MS).fromCaptureMs).med);
    }
    const latency = frameLatencies(samples, PART_TARGET_MS);
    return {
      viewers: options.viewers,
      windowSeconds: options.seconds,
      partTargetMs: PART_TARGET_MS,
      joinMs: { fromPageStart: trendStats(fromPageStart), fromFirstRequest: trendStats(fromFirstRequest) },
      latencyMs: {
        fromCapture: trendStats(latency.fromCaptureMs),
        fromAvailability: trendStats(latency.fromAvailabilityMs),
        unmappedFrames: unmapped + latency.implausible,
        perViewerFromCaptureMedianMs: perViewer,
      },
    };
  } finally {
    await browser?.close();
    await player?.close();
    await stack?.stop();
  }
}
