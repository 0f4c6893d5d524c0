/**
 * The RTC media server's limits on real sockets (no browser): offers are refused before werift
 * opens sockets for them (at most one audio and one video section, bundled), trickle ICE is capped
 * per PATCH and per session, sessions are capped per server and per viewer and stream, the answer
 * names only RTC_ICE_ADDRESSES, and a crash still writes every live session's ledger record.
 */
import { readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '../../origin/log.ts';
import { parseRtcConfig, type RtcEnv } from '../../origin/rtc/config.ts';
import { type RtcServer, startRtcServer } from '../../origin/rtc/server.ts';
import { RTC_AUTH_HEADER, RTC_VIEWER_HEADER } from '../../src/core/webrtc/contract.ts';
import { spawnRtcMain, weriftOffer } from '../fixtures/rtc.ts';

const SECRET = 'rtc-limits-secret';
const auth = { [RTC_AUTH_HEADER]: SECRET };

/** A hand-written offer of `kinds` media sections (one per entry), bundled as `bundle` says. */
function handOffer(kinds: readonly string[], bundle: 'all' | 'none' = 'all'): string {
  const head = ['v=0', 'o=- 1 1 IN IP4 127.0.0.1', 's=-', 't=0 0'];
  if (bundle === 'all') head.push(`a=group:BUNDLE ${kinds.map((_, i) => i).join(' ')}`);
  const sections = kinds.flatMap((kind, i) => [
    `m=${kind} 9 UDP/TLS/RTP/SAVPF 102`,
    'c=IN IP4 0.0.0.0',
    `a=mid:${i}`,
    'a=ice-ufrag:abcd',
    'a=ice-pwd:abcdefghijklmnopqrstuvwx',
    'a=fingerprint:sha-256 00:11:22:33:44:55:66:77:88:99:AA:BB:CC:DD:EE:FF:00:11:22:33:44:55:66:77:88:99:AA:BB:CC:DD:EE:FF',
    'a=setup:actpass',
    'a=recvonly',
    'a=rtcp-mux',
    kind === 'audio' ? 'a=rtpmap:102 opus/48000/2' : 'a=rtpmap:102 H264/90000',
  ]);
  return `${[...head, ...sections].join('\r\n')}\r\n`;
}

async function start(env: RtcEnv): Promise<RtcServer> {
  const config = parseRtcConfig({
    RTC_PORT: '0',
    RTC_SHARED_SECRET: SECRET,
    RTC_SAMPLE_STREAM: 'off',
    ...env,
  });
  if (!config.ok) throw new Error(JSON.stringify(config.error));
  return startRtcServer({ config: config.value, logger: createLogger('silent', () => {}) });
}

describe('RTC media server limits', () => {
  let rtc: RtcServer;
  beforeAll(async () => {
    rtc = await start({ RTC_MAX_SESSIONS: '4', RTC_MAX_SESSIONS_PER_VIEWER: '2' });
  });
  afterEach(() => rtc.sessions.endAll('deleted'));
  afterAll(() => rtc?.stop());

  const post = (path: string, body: string, viewer?: Record<string, string>) =>
    fetch(`${rtc.url}${path}`, {
      method: 'POST',
      headers: {
        'content-type': 'application/sdp',
        ...auth,
        ...(viewer ? { [RTC_VIEWER_HEADER]: JSON.stringify(viewer) } : {}),
      },
      body,
    });
  const publish = async (stream: string) => {
    const res = await post(`/whip/${stream}`, await weriftOffer('sendonly'));
    expect(res.status).toBe(201);
    return res.headers.get('location') ?? '';
  };
  const badSdp = async (res: Response) => {
    expect(res.status).toBe(400);
    const body = await res.json();
    expect(body.code).toBe('RTC_ERR_BAD_SDP');
    return String(body.message);
  };

  it('refuses offers of many media sections with 400 before opening sockets, and keeps serving', async () => {
    const flood = handOffer(
      Array.from({ length: 150 }, () => 'video'),
      'none',
    );
    expect(Buffer.byteLength(flood)).toBeLessThan(64 * 1024);
    await publish('cam');
    const sessions = rtc.sessions.size;
    const replies = await Promise.all(Array.from({ length: 15 }, () => post('/whep/cam', flood)));
    for (const res of replies) expect(await badSdp(res)).toMatch(/at most one audio and one video/);
    expect(rtc.sessions.size).toBe(sessions);
    expect(await badSdp(await post('/whep/cam', handOffer(['video', 'audio', 'video'])))).toMatch(/at most/);
    expect(await badSdp(await post('/whep/cam', handOffer(['video', 'video'])))).toMatch(/at most/);
    expect(await badSdp(await post('/whep/cam', handOffer(['video', 'application'])))).toMatch(
      /only audio and video/,
    );
    expect((await fetch(`${rtc.url}/healthz`)).status).toBe(200);
  });

  it('refuses an audio + video offer that does not bundle both sections', async () => {
    await publish('cam');
    const unbundled = (await weriftOffer('recvonly')).replace(/^a=group:BUNDLE.*\r\n/m, '');
    expect(await badSdp(await post('/whep/cam', unbundled))).toMatch(/a=group:BUNDLE/);
    const half = (await weriftOffer('recvonly')).replace(/^a=group:BUNDLE.*$/m, 'a=group:BUNDLE 0');
    expect(await badSdp(await post('/whep/cam', half))).toMatch(/a=group:BUNDLE/);
    expect((await post('/whep/cam', await weriftOffer('recvonly'))).status).toBe(201);
  });

  it('caps trickle ICE candidates per PATCH and per session with 400', async () => {
    const location = await publish('cam');
    const patch = (n: number, from: number) =>
      fetch(`${rtc.url}${location}`, {
        method: 'PATCH',
        headers: { 'content-type': 'application/trickle-ice-sdpfrag', ...auth },
        body: `a=mid:0\r\n${Array.from(
          { length: n },
          (_, i) => `a=candidate:${from + i} 1 udp 2130706431 127.0.0.1 ${10_000 + from + i} typ host\r\n`,
        ).join('')}`,
      });
    expect(await badSdp(await patch(21, 0))).toMatch(/too many ICE candidates/);
    for (let i = 0; i < 5; i++) expect((await patch(20, i * 20)).status).toBe(204);
    expect(await badSdp(await patch(1, 100))).toMatch(/too many ICE candidates/);
  });

  it('caps sessions per viewer and stream with 429 RTC_ERR_TOO_MANY_SESSIONS (token sub, else sid)', async () => {
    await publish('cam');
    const alice = { viewer: 'alice-hash', sessionId: 'a1' };
    const first = await post('/whep/cam', await weriftOffer('recvonly'), alice);
    expect(first.status).toBe(201);
    expect(
      (await post('/whep/cam', await weriftOffer('recvonly'), { ...alice, sessionId: 'a2' })).status,
    ).toBe(201);
    const third = await post('/whep/cam', await weriftOffer('recvonly'), alice);
    expect(third.status).toBe(429);
    expect((await third.json()).code).toBe('RTC_ERR_TOO_MANY_SESSIONS');
    // Another viewer still gets in; ending one of alice's frees her slot.
    expect((await post('/whep/cam', await weriftOffer('recvonly'), { sessionId: 'bob-sid' })).status).toBe(
      201,
    );
    await fetch(`${rtc.url}${first.headers.get('location')}`, { method: 'DELETE', headers: auth });
    expect((await post('/whep/cam', await weriftOffer('recvonly'), alice)).status).toBe(201);
  });

  it('caps sessions per server with 503 RTC_ERR_STREAM_FULL + Retry-After (no viewer facts: no per-viewer cap)', async () => {
    await publish('cam');
    for (let i = 0; i < 3; i++)
      expect((await post('/whep/cam', await weriftOffer('recvonly'))).status).toBe(201);
    const full = await post('/whep/cam', await weriftOffer('recvonly'));
    expect(full.status).toBe(503);
    expect(full.headers.get('retry-after')).toMatch(/^\d+$/);
    expect((await full.json()).code).toBe('RTC_ERR_STREAM_FULL');
    expect(rtc.sessions.size).toBe(4);
  });

  it('answers with ICE candidates on RTC_ICE_ADDRESSES only', async () => {
    const res = await post('/whip/cam', await weriftOffer('sendonly'));
    expect(res.status).toBe(201);
    const candidates = (await res.text()).split('\r\n').filter((l) => l.startsWith('a=candidate:'));
    expect(candidates.length).toBeGreaterThan(0);
    for (const line of candidates) expect(line.split(' ')[4]).toBe('127.0.0.1');
  });
});

describe('a crashing media server', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'rtc-crash-'));
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  it('abort() writes every live session ledger record before it returns', async () => {
    const ledger = join(dir, 'abort.ndjson');
    const rtc = await start({ RTC_EGRESS_LOG: ledger });
    try {
      const pub = await fetch(`${rtc.url}/whip/cam`, {
        method: 'POST',
        headers: { 'content-type': 'application/sdp', ...auth },
        body: await weriftOffer('sendonly'),
      });
      expect(pub.status).toBe(201);
      const viewer = await fetch(`${rtc.url}/whep/cam`, {
        method: 'POST',
        headers: {
          'content-type': 'application/sdp',
          ...auth,
          [RTC_VIEWER_HEADER]: JSON.stringify({ sessionId: 'sid-crash' }),
        },
        body: await weriftOffer('recvonly'),
      });
      expect(viewer.status).toBe(201);
      rtc.abort();
      // Read synchronously right after: nothing may still be queued on the event loop.
      const records = readFileSync(ledger, 'utf8')
        .split('\n')
        .filter((l) => l !== '')
        .map((l) => JSON.parse(l));
      expect(records).toHaveLength(2);
      expect(records.find((r) => r.sessionId === 'sid-crash')).toMatchObject({ role: 'viewer', status: 499 });
      expect(rtc.sessions.size).toBe(0);
    } finally {
      await rtc.stop();
    }
  });

  it('npm run rtc: an uncaught exception ends live sessions (records written) and exits 1', async () => {
    const ledger = join(dir, 'crash.ndjson');
    const { child, exited, output } = spawnRtcMain(
      { RTC_PORT: '0', RTC_AUTH: 'off', RTC_SAMPLE_STREAM: 'off', RTC_EGRESS_LOG: ledger },
      'test/fixtures/crash-on-stdin.ts',
    );
    try {
      const deadline = Date.now() + 30_000;
      while (!/"msg":"listening"/.test(output())) {
        if (Date.now() > deadline) throw new Error(`no listening line: ${output()}`);
        await new Promise((r) => setTimeout(r, 100));
      }
      const url = /"url":"([^"]+)"/.exec(output())?.[1] ?? '';
      const pub = await fetch(`${url}/whip/cam`, {
        method: 'POST',
        headers: { 'content-type': 'application/sdp' },
        body: await weriftOffer('sendonly'),
      });
      expect(pub.status).toBe(201);
      child.stdin?.write('crash\n');
      expect(await exited).toBe(1);
      expect(output()).toMatch(/uncaught exception/);
      const records = readFileSync(ledger, 'utf8')
        .split('\n')
        .filter((l) => l !== '')
        .map((l) => JSON.parse(l));
      expect(records).toHaveLength(1);
      expect(records[0]).toMatchObject({ tier: 'rtc', role: 'publisher', stream: 'cam', status: 499 });
    } finally {
      if (child.exitCode === null) child.kill('SIGKILL');
    }
  });
});
