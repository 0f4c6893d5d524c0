/**
 * WebRTC in Chromium, straight from the RTC media server (origin/rtc; the edge's WHIP/WHEP routes
 * are tested with the edge): the dev player page plays the ffmpeg sample stream over WHEP and
 * decodes frames; a page publishes the fake camera over WHIP and a second page receives it; a
 * session is torn down on DELETE and when the viewer vanishes without one, leaving one ledger record
 * with bytes. Auth is off here (a browser cannot hold the edge's secret); the edge adds it.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '../../origin/log.ts';
import { parseRtcConfig } from '../../origin/rtc/config.ts';
import { type RtcServer, startRtcServer } from '../../origin/rtc/server.ts';
import { type PlayerServer, startPlayerServer } from '../../scripts/player/server.ts';
import { launchChromium, WEBRTC_CHROMIUM_ARGS } from '../fixtures/browser.ts';
import { chromiumAvailable, ffmpegAvailable, requireInCi } from '../fixtures/tools.ts';
import { framesReach, ledgerRecords, readRtcState, stopRtcSession, until } from '../fixtures/webrtc-page.ts';

requireInCi(chromiumAvailable, 'chromium');
requireInCi(ffmpegAvailable, 'ffmpeg');

describe.skipIf(!chromiumAvailable || !ffmpegAvailable)('WebRTC (WHEP/WHIP) in Chromium', () => {
  let rtc: RtcServer;
  let player: PlayerServer;
  let browser: Browser;
  let dir: string;
  let ledger: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'rtc-play-'));
    ledger = join(dir, 'rtc.ndjson');
    const config = parseRtcConfig({ RTC_PORT: '0', RTC_AUTH: 'off', RTC_EGRESS_LOG: ledger });
    if (!config.ok) throw new Error(JSON.stringify(config.error));
    rtc = await startRtcServer({ config: config.value, logger: createLogger('warn', () => {}) });
    player = await startPlayerServer(0);
    browser = await launchChromium(WEBRTC_CHROMIUM_ARGS);
  });
  afterAll(async () => {
    await browser?.close();
    await player?.close();
    await rtc?.stop();
    await rm(dir, { recursive: true, force: true });
  });

  it('plays the sample stream over WHEP: decoded frames keep increasing; DELETE ends the session and writes its ledger record', async () => {
    const page = await browser.newPage();
    try {
      await page.goto(player.pageForRtc('whep', `${rtc.url}/whep/live`));
      const first = await framesReach(page, 10);
      expect(first.fatal).toBeNull();
      const later = await framesReach(page, first.frames + 20);
      expect(later.fatal).toBeNull();
      expect(later.frames).toBeGreaterThan(first.frames);
      const id = later.session?.split('/').at(-1) ?? '';
      expect(rtc.sessions.get(id)?.kind).toBe('whep');

      expect(await stopRtcSession(page)).toBe(200);
      expect(rtc.sessions.get(id)).toBeUndefined();
      const record = await until(
        'the ledger record',
        async () => (await ledgerRecords(ledger)).find((r) => r.sessionId === id),
        (r) => r !== undefined,
      );
      expect(record).toMatchObject({ tier: 'rtc', role: 'viewer', stream: 'live', status: 200 });
      expect(record?.bytes).toBeGreaterThan(0);
    } finally {
      await page.close();
    }
  });

  it('forwards a WHIP publisher (fake camera) to a WHEP viewer; a viewer that vanishes without DELETE is torn down', async () => {
    const publisher = await browser.newPage();
    const viewer = await browser.newPage();
    try {
      await publisher.goto(player.pageForRtc('whip', `${rtc.url}/whip/cam`));
      const published = await until(
        'the publisher to connect',
        () => readRtcState(publisher),
        (s) => s.connection === 'connected' || s.fatal !== null,
      );
      expect(published.fatal).toBeNull();

      await viewer.goto(player.pageForRtc('whep', `${rtc.url}/whep/cam`));
      const first = await framesReach(viewer, 10);
      expect(first.fatal).toBeNull();
      expect((await framesReach(viewer, first.frames + 10)).frames).toBeGreaterThan(first.frames);
      const id = first.session?.split('/').at(-1) ?? '';

      // Like a crashed tab: no DELETE, the peer connection just goes away.
      await viewer.evaluate(() => {
        const w = window as unknown as { __rtcPagehide: () => void; __pc: RTCPeerConnection };
        window.removeEventListener('pagehide', w.__rtcPagehide);
      });
      await viewer.close();
      await until(
        'the viewer session to end',
        () => rtc.sessions.get(id),
        (s) => s === undefined,
      );
      const record = await until(
        'the dropped viewer ledger record',
        async () => (await ledgerRecords(ledger)).find((r) => r.sessionId === id),
        (r) => r !== undefined,
      );
      expect(record).toMatchObject({ tier: 'rtc', role: 'viewer', stream: 'cam', aborted: true });
      expect(record?.bytes).toBeGreaterThan(0);

      expect(await stopRtcSession(publisher)).toBe(200);
      await until(
        'every session to end',
        () => rtc.sessions.size,
        (n) => n === 0,
      );
      const pub = (await ledgerRecords(ledger)).find((r) => r.role === 'publisher' && r.stream === 'cam');
      expect(pub?.receivedBytes).toBeGreaterThan(0);
    } finally {
      if (!viewer.isClosed()) await viewer.close();
      await publisher.close();
    }
  });
});
