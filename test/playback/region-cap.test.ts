/**
 * Region-capped playback (issue 4): Chromium + hls.js play a master through the edge while the edge's
 * simulated request.cf says India, whose MANIFEST_POLICIES entry caps renditions at 540p. Passes when
 * playback advances, hls.js sees only the allowed variants, and no 720p playlist or segment is ever
 * requested. The source URL is signed in query form, so it also proves token injection: relative
 * URIs would lose a query token without it, and every request would be a 401.
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
  levels: number;
}

const POLICIES = JSON.stringify({ countries: { IN: { maxHeight: 540 } } });

describe.skipIf(!chromiumAvailable || !ffmpegAvailable)('region-capped master in Chromium', () => {
  let stack: Stack;
  let player: PlayerServer;
  let browser: Browser;

  beforeAll(async () => {
    const mediaDir = resolve(REPO_ROOT, '.media');
    await ensureMedia(mediaDir);
    stack = await startStack({ mediaDir, edgeVars: { MANIFEST_POLICIES: POLICIES }, cf: { country: 'IN' } });
    player = await startPlayerServer(0);
    browser = await chromium.launch({
      executablePath: chromiumPath,
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--autoplay-policy=no-user-gesture-required'],
    });
  });

  afterAll(async () => {
    await browser?.close();
    await player?.close();
    await stack?.stop();
  });

  it('plays only the renditions the viewer region allows', async () => {
    const page = await browser.newPage();
    const requested: string[] = [];
    page.on('request', (r) => {
      if (r.url().startsWith(stack.edgeUrl)) requested.push(new URL(r.url()).pathname);
    });
    try {
      await page.goto(player.pageFor(await stack.sign('/vod/ts/master.m3u8')));
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
