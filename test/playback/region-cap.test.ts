/**
 * Region-capped playback (issue 4): Chromium + hls.js play a master through the edge while the edge's
 * simulated request.cf says India, whose MANIFEST_POLICIES entry caps renditions at 540p. Passes when
 * playback advances, hls.js sees only the allowed variants, and no 720p playlist or segment is ever
 * requested. The source URL is signed in query form, so it also proves token injection: relative
 * URIs would lose a query token without it, and every request would be a 401.
 */
import { describe, expect, it } from 'vitest';
import { type PlayerState, usePlaybackStack } from '../fixtures/browser.ts';
import { chromiumAvailable, ffmpegAvailable, requireInCi } from '../fixtures/tools.ts';

requireInCi(chromiumAvailable, 'chromium');
requireInCi(ffmpegAvailable, 'ffmpeg');

const POLICIES = JSON.stringify({ countries: { IN: { maxHeight: 540 } } });

describe.skipIf(!chromiumAvailable || !ffmpegAvailable)('region-capped master in Chromium', () => {
  const { stack, player, browser } = usePlaybackStack({
    edgeVars: { MANIFEST_POLICIES: POLICIES },
    cf: { country: 'IN' },
  });

  it('plays only the renditions the viewer region allows', async () => {
    const page = await browser().newPage();
    const requested: string[] = [];
    page.on('request', (r) => {
      if (r.url().startsWith(stack().edgeUrl)) requested.push(new URL(r.url()).pathname);
    });
    try {
      await page.goto(player().pageFor(await stack().sign('/vod/ts/master.m3u8')));
      await page.waitForFunction(
        () => {
          const s = (window as unknown as { __player: PlayerState }).__player;
          return s.fatal !== null || s.currentTime > 3;
        },
        undefined,
        { timeout: 60_000, polling: 250 },
      );
      const state = await page.evaluate(() => (window as unknown as { __player: PlayerState }).__player);
      expect(state.fatal).toBeNull();
      expect(state.currentTime).toBeGreaterThan(3);
      expect(state.levels).toBe(2);
    } finally {
      await page.close();
    }
    const perRendition = (r: string) => requested.filter((p) => p.includes(`/${r}/`)).length;
    expect(perRendition('720p')).toBe(0);
    expect(perRendition('360p') + perRendition('540p')).toBeGreaterThan(1);
  });
});
