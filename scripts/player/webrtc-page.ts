/**
 * Reading the dev player page's WebRTC mode (webrtc.js) from Node through Playwright: its state,
 * waiting for decoded frames or a connection, and the DELETE teardown. Shared by the playback tests
 * and bench/webrtc. Must not assert.
 */
import type { Page } from 'playwright-core';

/** What webrtc.js publishes on `window.__player`. */
export interface RtcPageState {
  frames: number;
  /** POST offer → first decoded frame, ms (WHEP), or null before it. */
  joinMs: number | null;
  connection: string;
  fatal: string | null;
  /** The session resource's absolute URL, once the POST answered 201. */
  session: string | null;
}

export const readRtcState = (page: Page): Promise<RtcPageState> =>
  page.evaluate(() => (window as unknown as { __player: RtcPageState }).__player);

/** Waits until the page decoded `frames` frames or failed (throws after `timeoutMs`). */
export async function framesReach(page: Page, frames: number, timeoutMs = 60_000): Promise<RtcPageState> {
  await page.waitForFunction(
    (n) => {
      const s = (window as unknown as { __player?: RtcPageState }).__player;
      return s !== undefined && (s.fatal !== null || s.frames >= n);
    },
    frames,
    { timeout: timeoutMs, polling: 50 },
  );
  return readRtcState(page);
}

/** Waits until the page's peer connection is connected (a WHIP publisher) or failed. */
export async function rtcConnected(page: Page, timeoutMs = 60_000): Promise<RtcPageState> {
  await page.waitForFunction(
    () => {
      const s = (window as unknown as { __player?: RtcPageState }).__player;
      return s !== undefined && (s.fatal !== null || s.connection === 'connected');
    },
    null,
    { timeout: timeoutMs, polling: 100 },
  );
  return readRtcState(page);
}

/** DELETEs the page's session resource (WHIP/WHEP teardown); the HTTP status. */
export const stopRtcSession = (page: Page): Promise<number> =>
  page.evaluate(() => (window as unknown as { __rtcStop(): Promise<number> }).__rtcStop());
