/**
 * Browser playback: Debian's Chromium runs hls.js from the dev player page and plays real HLS through
 * the edge (edge → shield → packager). Passes when video.currentTime advances past 3 s with no fatal
 * hls.js error — what a viewer would call "it plays".
 */
import { resolve } from 'node:path';
import { type Browser, chromium } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureMedia } from '../../scripts/media/make-media.ts';
import { type PlayerServer, startPlayerServer } from '../../scripts/player/server.ts';
import { REPO_ROOT, type Stack, startStack } from '../../scripts/stack/start-stack.ts';
import { chromiumAvailable, chromiumPath, ffmpegAvailable, requireInCi } from '../fixtures/tools.ts';

requireInCi(chromiumAvailable, 'chromium');
requireInCi(ffmpegAvailable, 'ffmpeg');

interface PlayerState {
  currentTime: number;
  fatal: string | null;
  errors: string[];
  levels: number;
  fragments: number;
}

describe.skipIf(!chromiumAvailable || !ffmpegAvailable)(
  'hls.js playback in Chromium through the edge',
  () => {
    let stack: Stack;
    let player: PlayerServer;
    let browser: Browser;

    beforeAll(async () => {
      const mediaDir = resolve(REPO_ROOT, '.media');
      await ensureMedia(mediaDir);
      stack = await startStack({ mediaDir });
      player = await startPlayerServer(0);
      browser = await chromium.launch({
        executablePath: chromiumPath,
        args: [
          '--headless',
          '--no-sandbox',
          '--disable-gpu',
          '--autoplay-policy=no-user-gesture-required',
          '--disable-quic',
          '--no-first-run',
          '--disable-background-networking',
          '--disable-component-update',
          '--disable-sync',
        ],
      });
    });

    afterAll(async () => {
      await browser?.close();
      await player?.close();
      await stack?.stop();
    });

    async function playFor(src: string): Promise<PlayerState> {
      const page = await browser.newPage();
      try {
        await page.goto(player.pageFor(src));
        await page.waitForFunction(
          () => {
            const s = (window as unknown as { __player: PlayerState }).__player;
            return s.fatal !== null || s.currentTime > 3;
          },
          undefined,
          { timeout: 60_000, polling: 250 },
        );
        return await page.evaluate(() => (window as unknown as { __player: PlayerState }).__player);
      } finally {
        await page.close();
      }
    }

    it('plays the VOD MPEG-TS stream past 3 s with no fatal error', async () => {
      const state = await playFor(`${stack.edgeUrl}/vod/ts/master.m3u8`);
      expect(state.fatal).toBeNull();
      expect(state.levels).toBe(3);
      expect(state.currentTime).toBeGreaterThan(3);
    });

    it('plays the VOD fMP4 stream past 3 s with no fatal error', async () => {
      const state = await playFor(`${stack.edgeUrl}/vod/fmp4/master.m3u8`);
      expect(state.fatal).toBeNull();
      expect(state.currentTime).toBeGreaterThan(3);
    });

    it('plays the simulated live stream past 3 s with no fatal error', async () => {
      const state = await playFor(`${stack.edgeUrl}/live/ts/master.m3u8`);
      expect(state.fatal).toBeNull();
      expect(state.currentTime).toBeGreaterThan(3);
    });
  },
);
