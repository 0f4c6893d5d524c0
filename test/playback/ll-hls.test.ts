/**
 * LL-HLS playback (issue 5): Chromium + hls.js in lowLatencyMode play the dev packager's simulated
 * LL-HLS stream (`/llhls/ts/…`: 0.5 s parts as 188-byte-aligned MPEG-TS slices, preload hints,
 * blocking reloads) through the whole stack (edge → shield → packager). Passes when playback
 * advances past 3 s with no fatal error and hls.js used blocking playlist reloads (`_HLS_msn`),
 * counted from the page's own network requests. Auth stays on: the source is a signed path-form URL,
 * so every relative URI (playlists, parts, hints, reloads) inherits the token.
 */
import { resolve } from 'node:path';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureMedia } from '../../scripts/media/make-media.ts';
import { type PlayerServer, startPlayerServer } from '../../scripts/player/server.ts';
import { REPO_ROOT, type Stack, startStack } from '../../scripts/stack/start-stack.ts';
import { launchChromium, type PlayerState, playUntil } from '../fixtures/browser.ts';
import { chromiumAvailable, ffmpegAvailable, requireInCi } from '../fixtures/tools.ts';

requireInCi(chromiumAvailable, 'chromium');
requireInCi(ffmpegAvailable, 'ffmpeg');

describe.skipIf(!chromiumAvailable || !ffmpegAvailable)('LL-HLS playback in Chromium through the edge', () => {
  let stack: Stack;
  let player: PlayerServer;
  let browser: Browser;
  let state: PlayerState;
  const requested: URL[] = [];

  beforeAll(async () => {
    const mediaDir = resolve(REPO_ROOT, '.media');
    await ensureMedia(mediaDir);
    stack = await startStack({ mediaDir });
    player = await startPlayerServer(0);
    browser = await launchChromium();
    const src = await stack.sign('/llhls/ts/master.m3u8', { in: 'path' });
    state = await playUntil(browser, player.pageFor(src), 3, 90_000, (page) => {
      page.on('request', (r) => {
        if (r.url().startsWith(stack.edgeUrl)) requested.push(new URL(r.url()));
      });
    });
  });

  afterAll(async () => {
    await browser?.close();
    await player?.close();
    await stack?.stop();
  });

  it('plays the LL-HLS stream past 3 s with no fatal error', () => {
    expect(state.fatal).toBeNull();
    expect(state.currentTime).toBeGreaterThan(3);
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
});
