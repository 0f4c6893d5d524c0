/**
 * The RTC media server's signalling on real sockets (no browser): WHEP/WHIP answers, session
 * resources, the error table of src/core/webrtc/contract.ts, the viewer cap and the ledger record a
 * session leaves. Offers come from a werift peer in the test, so no Chromium or ffmpeg is needed
 * (the sample stream is off; a WHIP publisher makes a stream exist).
 */
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '../../origin/log.ts';
import { parseRtcConfig } from '../../origin/rtc/config.ts';
import { type RtcServer, startRtcServer } from '../../origin/rtc/server.ts';
import { RTC_AUTH_HEADER, RTC_SESSION_PATTERN, RTC_VIEWER_HEADER } from '../../src/core/webrtc/contract.ts';
import { weriftOffer } from '../fixtures/rtc.ts';

const SECRET = 'rtc-test-secret';
const auth = { [RTC_AUTH_HEADER]: SECRET };

describe('RTC media server signalling', () => {
  let rtc: RtcServer;
  let dir: string;
  let ledger: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'rtc-'));
    ledger = join(dir, 'rtc.ndjson');
    const config = parseRtcConfig({
      RTC_PORT: '0',
      RTC_SHARED_SECRET: SECRET,
      RTC_SAMPLE_STREAM: 'off',
      RTC_MAX_VIEWERS_PER_STREAM: '1',
      RTC_EGRESS_LOG: ledger,
    });
    if (!config.ok) throw new Error(JSON.stringify(config.error));
    rtc = await startRtcServer({ config: config.value, logger: createLogger('silent', () => {}) });
  });
  afterAll(async () => {
    await rtc?.stop();
    await rm(dir, { recursive: true, force: true });
  });

  const post = (path: string, body: string, headers: Record<string, string> = {}) =>
    fetch(`${rtc.url}${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/sdp', ...auth, ...headers },
      body,
    });

  it('refuses a request without the edge credential with 401 RTC_ERR_UNAUTHORIZED', async () => {
    const res = await fetch(`${rtc.url}/whep/cam`, {
      method: 'POST',
      headers: { 'content-type': 'application/sdp', [RTC_AUTH_HEADER]: 'wrong' },
      body: await weriftOffer('recvonly'),
    });
    expect(res.status).toBe(401);
    expect(await res.json()).toEqual({ code: 'RTC_ERR_UNAUTHORIZED', message: expect.any(String) });
  });

  it('answers health checks without the credential', async () => {
    expect((await fetch(`${rtc.url}/healthz`)).status).toBe(200);
    expect((await fetch(`${rtc.url}/readyz`)).status).toBe(200);
  });

  it('refuses an offer that is not application/sdp with 415', async () => {
    const res = await post('/whep/cam', await weriftOffer('recvonly'), {
      'content-type': 'application/json',
    });
    expect(res.status).toBe(415);
    expect((await res.json()).code).toBe('RTC_ERR_UNSUPPORTED_MEDIA_TYPE');
  });

  it('refuses a body that is not an SDP offer with 400 RTC_ERR_BAD_SDP', async () => {
    for (const body of ['', 'hello', 'v=0\r\ns=-\r\n']) {
      const res = await post('/whip/cam', body);
      expect(res.status).toBe(400);
      const json = await res.json();
      expect(json.code).toBe('RTC_ERR_BAD_SDP');
      expect(JSON.stringify(json)).not.toMatch(/\bat \S+:\d+/); // no stack
    }
  });

  it('answers WHEP for a stream nobody publishes with 404 RTC_ERR_STREAM_NOT_FOUND', async () => {
    const res = await post('/whep/nobody', await weriftOffer('recvonly'));
    expect(res.status).toBe(404);
    expect((await res.json()).code).toBe('RTC_ERR_STREAM_NOT_FOUND');
  });

  it('accepts a WHIP publisher, admits one viewer, refuses the next with 503 + Retry-After, and a second publisher with 409', async () => {
    const pub = await post('/whip/cam', await weriftOffer('sendonly'));
    expect(pub.status).toBe(201);
    expect(pub.headers.get('content-type')).toBe('application/sdp');
    const answer = await pub.text();
    expect(answer).toMatch(/^v=0/);
    expect(answer).toMatch(/a=candidate:.* 127\.0\.0\.1 /);
    const location = pub.headers.get('location') ?? '';
    expect(location).toMatch(/^\/whip\/cam\/sessions\//);
    expect(location.split('/').at(-1)).toMatch(RTC_SESSION_PATTERN);
    expect(pub.headers.get('etag')).toBeTruthy();
    expect(pub.headers.get('accept-patch')).toBe('application/trickle-ice-sdpfrag');

    expect((await post('/whip/cam', await weriftOffer('sendonly'))).status).toBe(409);

    const viewer = await post('/whep/cam', await weriftOffer('recvonly'), {
      [RTC_VIEWER_HEADER]: JSON.stringify({
        country: 'de',
        viewer: 'v-hash',
        tenant: 'acme',
        sessionId: 'sid-1',
        asn: 3320,
      }),
    });
    expect(viewer.status).toBe(201);
    const viewerPath = viewer.headers.get('location') ?? '';
    const full = await post('/whep/cam', await weriftOffer('recvonly'));
    expect(full.status).toBe(503);
    expect(full.headers.get('retry-after')).toMatch(/^\d+$/);
    expect((await full.json()).code).toBe('RTC_ERR_STREAM_FULL');

    // Trickle ICE is accepted (our answer already carries every candidate).
    const patch = await fetch(`${rtc.url}${viewerPath}`, {
      method: 'PATCH',
      headers: { 'content-type': 'application/trickle-ice-sdpfrag', 'if-match': '*', ...auth },
      body: 'a=mid:0\r\na=candidate:1 1 udp 2130706431 127.0.0.1 9 typ host\r\n',
    });
    expect(patch.status).toBe(204);

    expect(rtc.sessions.size).toBe(2);
    const del = await fetch(`${rtc.url}${viewerPath}`, { method: 'DELETE', headers: auth });
    expect(del.status).toBe(200);
    expect(rtc.sessions.size).toBe(1);
    // The slot is free again.
    const again = await post('/whep/cam', await weriftOffer('recvonly'));
    expect(again.status).toBe(201);
    await fetch(`${rtc.url}${again.headers.get('location')}`, { method: 'DELETE', headers: auth });
    await fetch(`${rtc.url}${location}`, { method: 'DELETE', headers: auth });
    expect(rtc.sessions.size).toBe(0);

    // One ledger record per session, with the viewer facts the edge sent.
    const records = await waitForRecords(ledger, 3);
    const first = records.find((r) => r.sessionId === 'sid-1');
    expect(first).toMatchObject({
      tier: 'rtc',
      protocol: 'webrtc',
      role: 'viewer',
      stream: 'cam',
      country: 'DE',
      viewer: 'v-hash',
      tenant: 'acme',
      asn: 3320,
      status: 200,
    });
    expect(records.filter((r) => r.role === 'publisher')).toHaveLength(1);
  });

  it('answers DELETE of an unknown session with 404 RTC_ERR_SESSION_NOT_FOUND', async () => {
    const res = await fetch(`${rtc.url}/whep/cam/sessions/AAAAAAAAAAAAAAAAAAAAAAAA`, {
      method: 'DELETE',
      headers: auth,
    });
    expect(res.status).toBe(404);
    expect((await res.json()).code).toBe('RTC_ERR_SESSION_NOT_FOUND');
  });

  it('answers other paths with a JSON 404 and wrong methods with 405', async () => {
    expect((await fetch(`${rtc.url}/whep/../etc`, { headers: auth })).status).toBe(404);
    const get = await fetch(`${rtc.url}/whep/cam`, { headers: auth });
    expect(get.status).toBe(405);
    expect(get.headers.get('allow')).toContain('POST');
  });
});

async function waitForRecords(path: string, n: number): Promise<Record<string, unknown>[]> {
  const deadline = Date.now() + 10_000;
  for (;;) {
    const text = await readFile(path, 'utf8').catch(() => '');
    const lines = text.split('\n').filter((l) => l !== '');
    if (lines.length >= n || Date.now() > deadline) return lines.map((l) => JSON.parse(l));
    await new Promise((r) => setTimeout(r, 100));
  }
}
