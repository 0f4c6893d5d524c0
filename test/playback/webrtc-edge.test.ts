/**
 * WebRTC through the whole stack (issue 16): Chromium plays WHEP and publishes WHIP with signed
 * URLs on the edge (`wrangler dev`, RTC_URLS → the RTC media server); the edge admits by token and
 * proxies signalling, media flows browser ↔ media server. The media server's ledger record carries
 * what the edge knew about the viewer (country, hashed sub, sid).
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '../../origin/log.ts';
import { parseRtcConfig } from '../../origin/rtc/config.ts';
import { type RtcServer, startRtcServer } from '../../origin/rtc/server.ts';
import { WEBRTC_CHROMIUM_ARGS } from '../../scripts/player/chromium-args.ts';
import { freePort } from '../../scripts/stack/ports.ts';
import { usePlaybackStack } from '../fixtures/browser.ts';
import { chromiumAvailable, ffmpegAvailable, requireInCi } from '../fixtures/tools.ts';
import { framesReach, ledgerRecords, readRtcState, stopRtcSession, until } from '../fixtures/webrtc-page.ts';

requireInCi(chromiumAvailable, 'chromium');
requireInCi(ffmpegAvailable, 'ffmpeg');

const SECRET = 'rtc-edge-playback-secret-0123456789';

// Known before the suite is defined: the stack's edge vars name the media server's URL.
const rtcPort = await freePort();

describe.skipIf(!chromiumAvailable || !ffmpegAvailable)('WebRTC through the edge in Chromium', () => {
  let rtc: RtcServer | undefined;
  let dir = '';
  let ledger = '';
  // Registered before the stack's hooks: the media server is up when the edge starts.
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'rtc-edge-'));
    ledger = join(dir, 'rtc.ndjson');
    const config = parseRtcConfig({
      RTC_PORT: String(rtcPort),
      RTC_SHARED_SECRET: SECRET,
      RTC_EGRESS_LOG: ledger,
    });
    if (!config.ok) throw new Error(JSON.stringify(config.error));
    rtc = await startRtcServer({ config: config.value, logger: createLogger('warn', () => {}) });
  });
  afterAll(async () => {
    await rtc?.stop();
    if (dir) await rm(dir, { recursive: true, force: true });
  });
  const { stack, player, browser } = usePlaybackStack(
    {
      edgeVars: { RTC_URLS: `http://127.0.0.1:${rtcPort}`, RTC_SHARED_SECRET: SECRET },
      cf: { country: 'DE', regionCode: 'BE' },
    },
    WEBRTC_CHROMIUM_ARGS,
  );

  it('refuses WHEP without a token (401) and with an expired one (403), before the media server', async () => {
    const offer = 'v=0\r\nm=video 9 UDP/TLS/RTP/SAVPF 96\r\n';
    const post = (url: string) =>
      fetch(url, { method: 'POST', headers: { 'content-type': 'application/sdp' }, body: offer });
    const bare = new URL('/whep/live', await stack().sign('/')).href.replace(/\?.*$/, '');
    expect((await post(bare)).status).toBe(401);
    expect((await post(await stack().sign('/whep/live', { ttlS: -60 }))).status).toBe(403);
    expect(rtc?.sessions.size).toBe(0);
  });

  it('plays the sample stream over WHEP with a signed edge URL; DELETE through the edge ends it with the viewer facts in the ledger', async () => {
    const src = await stack().sign('/whep/live', { sub: 'viewer-1', sid: 'edge-sid-1' });
    const page = await browser().newPage();
    try {
      await page.goto(player().pageForRtc('whep', src));
      const first = await framesReach(page, 10);
      expect(first.fatal).toBeNull();
      expect(first.session).toMatch(new RegExp(`^${new URL(src).origin}/whep/live/sessions/`));
      expect((await framesReach(page, first.frames + 20)).frames).toBeGreaterThan(first.frames);
      expect(await stopRtcSession(page)).toBe(200);
      await until(
        'the session to end',
        () => rtc?.sessions.size,
        (n) => n === 0,
      );
      const record = await until(
        'the ledger record',
        async () => (await ledgerRecords(ledger)).find((r) => r.sessionId === 'edge-sid-1'),
        (r) => r !== undefined,
      );
      expect(record).toMatchObject({
        tier: 'rtc',
        role: 'viewer',
        stream: 'live',
        country: 'DE',
        region: 'BE',
      });
      expect(record?.viewer).toEqual(expect.any(String));
      expect(record?.viewer).not.toBe('viewer-1'); // hashed by the edge, never the raw sub
      expect(record?.bytes).toBeGreaterThan(0);
    } finally {
      await page.close();
    }
  });

  it('a publisher token publishes the fake camera over WHIP and a viewer token receives it', async () => {
    const publisher = await browser().newPage();
    const viewer = await browser().newPage();
    try {
      await publisher.goto(
        player().pageForRtc('whip', await stack().sign('/whip/cam', { acl: ['/whip/cam'] })),
      );
      const published = await until(
        'the publisher to connect',
        () => readRtcState(publisher),
        (s) => s.connection === 'connected' || s.fatal !== null,
      );
      expect(published.fatal).toBeNull();
      await viewer.goto(player().pageForRtc('whep', await stack().sign('/whep/cam')));
      const first = await framesReach(viewer, 10);
      expect(first.fatal).toBeNull();
      expect((await framesReach(viewer, first.frames + 10)).frames).toBeGreaterThan(first.frames);
      expect(await stopRtcSession(viewer)).toBe(200);
      expect(await stopRtcSession(publisher)).toBe(200);
      await until(
        'every session to end',
        () => rtc?.sessions.size,
        (n) => n === 0,
      );
    } finally {
      await viewer.close();
      await publisher.close();
    }
  });
});
