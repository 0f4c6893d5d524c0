/**
 * AES-128 playback in Chromium + hls.js through the edge (edge → shield → packager): the encrypted
 * sample master (`/vod/aes/master.m3u8`, key at `/vod/aes/key/k1.key`) plays when the signed path-form
 * URL's token covers the key, and fails with a fatal key error when it does not — the protected path of
 * issue 3 seen from a viewer. hls.js resolves the relative key URI under `/~t/<token>/`, so the key
 * request carries the same token as the playlists and segments.
 */
import { describe, expect, it } from 'vitest';
import { playUntil, usePlaybackStack } from '../fixtures/browser.ts';
import { chromiumAvailable, ffmpegAvailable, requireInCi } from '../fixtures/tools.ts';

requireInCi(chromiumAvailable, 'chromium');
requireInCi(ffmpegAvailable, 'ffmpeg');

const MASTER = '/vod/aes/master.m3u8';

describe.skipIf(!chromiumAvailable || !ffmpegAvailable)(
  'AES-128 playback in Chromium through the edge',
  () => {
    const { stack, player, browser } = usePlaybackStack();

    it('plays the encrypted master past 3 s when the token covers the key', async () => {
      const src = await stack().sign(MASTER, { in: 'path' });
      const state = await playUntil(browser(), player().pageFor(src));
      expect(state.fatal).toBeNull();
      expect(state.levels).toBe(3);
      expect(state.currentTime).toBeGreaterThan(3);
    });

    it('fails fatally on the key request when the token acl covers everything but the key', async () => {
      const acl = [MASTER, '/vod/aes/360p/', '/vod/aes/540p/', '/vod/aes/720p/'];
      const src = await stack().sign(MASTER, { in: 'path', acl });
      const state = await playUntil(browser(), player().pageFor(src));
      expect(state.fatal).toBe('networkError:keyLoadError');
      expect(state.currentTime).toBe(0);
    });
  },
);
