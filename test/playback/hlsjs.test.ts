/**
 * Browser playback: Debian's Chromium runs hls.js from the dev player page and plays real HLS through
 * the edge (edge → shield → packager). Passes when video.currentTime advances past 3 s with no fatal
 * hls.js error — what a viewer would call "it plays". Auth is required: sources are signed path-form
 * URLs (`/~t/<token>/…`), so every relative playlist/segment URI inherits the token.
 */
import { describe, expect, it } from 'vitest';
import { type PlayerState, playUntil, usePlaybackStack } from '../fixtures/browser.ts';
import { chromiumAvailable, ffmpegAvailable, requireInCi } from '../fixtures/tools.ts';

requireInCi(chromiumAvailable, 'chromium');
requireInCi(ffmpegAvailable, 'ffmpeg');

describe.skipIf(!chromiumAvailable || !ffmpegAvailable)(
  'hls.js playback in Chromium through the edge',
  () => {
    const { stack, player, browser } = usePlaybackStack();

    const playFor = (src: string): Promise<PlayerState> => playUntil(browser(), player().pageFor(src));

    const signed = (path: string) => stack().sign(path, { in: 'path' });

    it('plays the VOD MPEG-TS stream past 3 s with no fatal error', async () => {
      const state = await playFor(await signed('/vod/ts/master.m3u8'));
      expect(state.fatal).toBeNull();
      expect(state.levels).toBe(3);
      expect(state.currentTime).toBeGreaterThan(3);
    });

    it('plays the VOD fMP4 stream past 3 s with no fatal error', async () => {
      const state = await playFor(await signed('/vod/fmp4/master.m3u8'));
      expect(state.fatal).toBeNull();
      expect(state.currentTime).toBeGreaterThan(3);
    });

    it('plays the simulated live stream past 3 s with no fatal error', async () => {
      const state = await playFor(await signed('/live/ts/master.m3u8'));
      expect(state.fatal).toBeNull();
      expect(state.currentTime).toBeGreaterThan(3);
    });

    it('fails fatally on an unsigned URL (the edge answers 401)', async () => {
      const state = await playFor(`${stack().edgeUrl}/vod/ts/master.m3u8`);
      expect(state.fatal).not.toBeNull();
      expect(state.currentTime).toBe(0);
    });
  },
);
