/**
 * LL-HLS playback (issue 5): Chromium + hls.js in lowLatencyMode (the dev player page) play the dev
 * packager's simulated LL-HLS stream (`/llhls/ts/…`: 0.5 s parts as MPEG-TS slices cut on frame
 * boundaries, preload hints, blocking reloads, rendition reports) through the whole stack
 * (edge → shield → packager). Passes when playback advances 3 s past its first frame with no fatal
 * error and no demux/append error, hls.js loaded parts, and it reloaded playlists with blocking
 * requests (`_HLS_msn`), counted from the page's own network requests. Auth stays on: the source is
 * a signed path-form URL, so every relative URI (playlists, parts, reloads) inherits the token.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { type PlayerState, usePlaybackStack } from '../fixtures/browser.ts';
import { chromiumAvailable, ffmpegAvailable, requireInCi } from '../fixtures/tools.ts';

requireInCi(chromiumAvailable, 'chromium');
requireInCi(ffmpegAvailable, 'ffmpeg');

/** hls.js error details that mean the parts themselves are broken (not a slow machine). */
const MEDIA_DEFECTS = ['fragParsingError', 'bufferAppendingError', 'mediaSourceRequiresReset'];

describe.skipIf(!chromiumAvailable || !ffmpegAvailable)(
  'LL-HLS playback in Chromium through the edge',
  () => {
    const { stack, player, browser } = usePlaybackStack();
    let state: PlayerState;
    let firstTime: number | undefined;
    const requested: URL[] = [];

    beforeAll(async () => {
      const page = await browser().newPage();
      page.on('request', (r) => {
        if (r.url().startsWith(stack().edgeUrl)) requested.push(new URL(r.url()));
      });
      try {
        await page.goto(player().pageFor(await stack().sign('/llhls/ts/master.m3u8', { in: 'path' })));
        // A live stream starts mid-timeline (currentTime ≈ 10 s at once), so wait for 3 s of playback
        // after the first frame rather than for an absolute currentTime.
        await page.waitForFunction(
          () => {
            const w = window as unknown as { __player: PlayerState; __firstTime?: number };
            const s = w.__player;
            if (s.fatal !== null) return true;
            if (w.__firstTime === undefined && s.currentTime > 0) w.__firstTime = s.currentTime;
            return w.__firstTime !== undefined && s.currentTime > w.__firstTime + 3;
          },
          undefined,
          { timeout: 90_000, polling: 250 },
        );
        [state, firstTime] = await page.evaluate(() => {
          const w = window as unknown as { __player: PlayerState; __firstTime?: number };
          return [w.__player, w.__firstTime] as const;
        });
      } finally {
        await page.close();
      }
    });

    it('plays 3 s of the LL-HLS stream with no fatal error', () => {
      expect(state.fatal).toBeNull();
      expect(state.currentTime - (firstTime ?? Number.POSITIVE_INFINITY)).toBeGreaterThan(3);
    });

    it('demuxes and appends every part without a media error', () => {
      expect(state.errors.filter((e) => MEDIA_DEFECTS.some((d) => e.includes(d)))).toEqual([]);
    });

    it('loads partial segments (EXT-X-PART), not only whole segments', () => {
      expect(requested.some((u) => /\/seg_\d+\.p\d+\.ts$/.test(u.pathname))).toBe(true);
    });

    it('reloads media playlists with blocking requests (_HLS_msn)', () => {
      const blocking = requested.filter(
        (u) => u.pathname.endsWith('/index.m3u8') && u.searchParams.has('_HLS_msn'),
      );
      expect(blocking.length).toBeGreaterThan(1);
    });
  },
);
