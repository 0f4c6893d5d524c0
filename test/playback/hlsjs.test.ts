/**
 * Browser playback: Debian's Chromium runs hls.js from the dev player page and plays real HLS through
 * the edge (edge → shield → packager). Passes when video.currentTime advances past 3 s with no fatal
 * hls.js error — what a viewer would call "it plays". Auth is required: sources are signed path-form
 * URLs (`/~t/<token>/…`), so every relative playlist/segment URI inherits the token.
 */
import type { Page } from 'playwright-core';
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

    it('two viewers playing the live stream at once: each segment reaches the shield at most once', async () => {
      // Issue 5 e2e: both players ask the edge for the same new live segments; the edge's cache and
      // single-flight must send each one to the shield once, whoever asks first.
      interface Seen {
        readonly path: string;
        readonly edge: string | undefined;
        readonly shield: string | undefined;
      }
      const seen: Seen[] = [];
      const watch = (page: Page) =>
        page.on('response', (res) => {
          const url = new URL(res.url());
          if (!url.pathname.endsWith('.ts')) return;
          const headers = res.headers();
          // Each viewer has its own token prefix; the object is the path after it.
          const path = url.pathname.replace(/^\/~t\/[^/]+/, '');
          seen.push({ path, edge: headers['x-cache'], shield: headers['x-cache-shield'] });
        });
      // One rendition (a media playlist) so both viewers want the very same segments.
      const sources = await Promise.all(
        ['viewer-a', 'viewer-b'].map((sub) => stack().sign('/live/ts/360p/index.m3u8', { in: 'path', sub })),
      );
      const pages = await Promise.all(sources.map(() => browser().newPage()));
      try {
        for (const page of pages) watch(page);
        await Promise.all(pages.map((page, i) => page.goto(player().pageFor(sources[i] ?? ''))));
        await Promise.all(
          pages.map((page) =>
            page.waitForFunction(
              () => {
                const s = (window as unknown as { __player: PlayerState }).__player;
                return s.fatal !== null || (s.currentTime > 3 && s.fragments >= 3);
              },
              undefined,
              { timeout: 60_000, polling: 250 },
            ),
          ),
        );
        for (const page of pages) {
          const state = await page.evaluate(() => (window as unknown as { __player: PlayerState }).__player);
          expect(state.fatal).toBeNull();
        }
      } finally {
        await Promise.all(pages.map((page) => page.close()));
      }
      const byPath = new Map<string, Seen[]>();
      for (const s of seen) byPath.set(s.path, [...(byPath.get(s.path) ?? []), s]);
      const shared = [...byPath.values()].filter((list) => list.length >= 2);
      expect(shared.length).toBeGreaterThan(0);
      for (const [path, list] of byPath) {
        // Only an edge MISS went to the shield; COALESCED joiners share that one response (and its
        // x-cache-shield copy), HITs came from the edge cache.
        const toShield = list.filter((s) => s.edge === 'MISS');
        expect(toShield.length, `edge→shield requests for ${path}`).toBeLessThanOrEqual(1);
        for (const s of list) expect(['MISS', 'COALESCED', 'HIT']).toContain(s.edge);
      }
    });

    it('fails fatally on an unsigned URL (the edge answers 401)', async () => {
      const state = await playFor(`${stack().edgeUrl}/vod/ts/master.m3u8`);
      expect(state.fatal).not.toBeNull();
      expect(state.currentTime).toBe(0);
    });
  },
);
