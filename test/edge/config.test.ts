/**
 * Edge configuration: the parser on its own (pure, runs on Node) and the Worker's answer to a bad one.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { formatConfigIssue, parseEdgeConfig } from '../../src/edge/config.ts';
import { type EdgeWorker, logsWhen, startEdgeWorker } from './edge-worker.ts';

describe('parseEdgeConfig', () => {
  it('applies the documented defaults to an empty env', () => {
    const r = parseEdgeConfig({ AUTH_MODE: 'off' });
    expect(r.ok && r.value).toMatchObject({
      shieldUrls: ['http://127.0.0.1:8081'],
      sharedSecret: undefined,
      corsOrigins: ['*'],
      shieldTimeoutMs: 10_000,
    });
  });

  it('splits a comma list of shields and drops trailing slashes', () => {
    const r = parseEdgeConfig({
      AUTH_MODE: 'off',
      SHIELD_URLS: 'http://a.example:8081/, https://b.example/shield/',
    });
    expect(r.ok && r.value.shieldUrls).toEqual(['http://a.example:8081', 'https://b.example/shield']);
  });

  it('names the key, the expectation and what was found for each bad value', () => {
    const r = parseEdgeConfig({
      AUTH_MODE: 'off',
      SHIELD_URLS: 'not a url',
      SHIELD_TIMEOUT_MS: '10s',
      CORS_ORIGINS: 'player',
    });
    expect(r.ok).toBe(false);
    const lines = r.ok ? [] : r.error.map(formatConfigIssue);
    expect(lines).toEqual([
      'SHIELD_URLS[0]: expected absolute http(s) URL without query or fragment, got "not a url"',
      'CORS_ORIGINS[0]: expected "*" or an origin like https://player.example, got "player"',
      'SHIELD_TIMEOUT_MS: expected an integer number of milliseconds from 1 to 300000, got "10s"',
    ]);
  });

  it('treats an empty secret as not configured', () => {
    const r = parseEdgeConfig({ AUTH_MODE: 'off', SHIELD_SHARED_SECRET: '' });
    expect(r.ok && r.value.sharedSecret).toBeUndefined();
  });

  it('refuses a secret that cannot travel as a header value without echoing it', () => {
    const r = parseEdgeConfig({ AUTH_MODE: 'off', SHIELD_SHARED_SECRET: 'has space\r\n' });
    expect(r.ok).toBe(false);
    expect(JSON.stringify(r)).not.toContain('has space');
  });

  it('takes EDGE_PURGE_SECRET for purge, else a shield secret of ≥ 16 characters, and polls every 5 s by default', () => {
    const own = parseEdgeConfig({
      AUTH_MODE: 'off',
      SHIELD_SHARED_SECRET: 's',
      EDGE_PURGE_SECRET: 'p'.repeat(16),
    });
    expect(own.ok && own.value.purge).toEqual({ secret: 'p'.repeat(16), pollMs: 5000 });
    const fallback = parseEdgeConfig({ AUTH_MODE: 'off', SHIELD_SHARED_SECRET: 's'.repeat(16) });
    expect(fallback.ok && fallback.value.purge.secret).toBe('s'.repeat(16));
    // A short shield secret is valid for the shield, but never a purge credential.
    const short = parseEdgeConfig({ AUTH_MODE: 'off', SHIELD_SHARED_SECRET: 's'.repeat(15) });
    expect(short.ok && short.value.purge.secret).toBeUndefined();
    const none = parseEdgeConfig({ AUTH_MODE: 'off' });
    expect(none.ok && none.value.purge.secret).toBeUndefined();
  });

  it('refuses a short EDGE_PURGE_SECRET and an out-of-range PURGE_POLL_S, naming each key', () => {
    const r = parseEdgeConfig({ AUTH_MODE: 'off', EDGE_PURGE_SECRET: 'short-one', PURGE_POLL_S: '0' });
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.error.map((i) => i.key)).toEqual(['EDGE_PURGE_SECRET', 'PURGE_POLL_S']);
    expect(JSON.stringify(r)).not.toContain('short-one');
  });
});

describe('a Worker with bad configuration', () => {
  let edge: EdgeWorker;
  beforeAll(async () => {
    edge = await startEdgeWorker({ AUTH_MODE: 'off', SHIELD_URLS: 'not a url' });
  });
  afterAll(async () => {
    await edge?.dispose();
  });

  it('answers every request with 500 EDGE_ERR_CONFIG, CORS included', async () => {
    for (const path of ['/vod/a.ts', '/healthz', '/x.m3u8']) {
      const res = await edge.fetch(path);
      expect(res.status).toBe(500);
      expect(res.headers.get('access-control-allow-origin')).toBe('*');
      expect(await res.json()).toEqual({ code: 'EDGE_ERR_CONFIG', message: 'edge misconfigured' });
    }
  });

  it('logs the issues once, naming the key', async () => {
    await (await edge.fetch('/vod/b.ts')).text();
    const lines = await logsWhen(
      edge,
      (ls) => ls.some((m) => m.includes('SHIELD_URLS[0]')) && ls.some((m) => m.includes('EDGE_ERR_CONFIG')),
    );
    const configLogs = lines.filter((m) => m.includes('SHIELD_URLS[0]'));
    expect(configLogs).toHaveLength(1);
    expect(configLogs[0]).toContain('expected absolute http(s) URL');
    expect(lines.filter((m) => m.includes('EDGE_ERR_CONFIG'))).toHaveLength(1);
  });
});

describe('WebRTC keys (RTC_*)', () => {
  it('leaves WebRTC off when RTC_URLS is unset or empty', () => {
    for (const RTC_URLS of [undefined, '', ' , ']) {
      const r = parseEdgeConfig({ AUTH_MODE: 'off', ...(RTC_URLS === undefined ? {} : { RTC_URLS }) });
      expect(r.ok && r.value.rtc).toBeUndefined();
    }
  });

  it('reads media servers like SHIELD_URLS, ICE servers, the secret and the timeout', () => {
    const r = parseEdgeConfig({
      AUTH_MODE: 'off',
      RTC_URLS: 'http://10.0.0.5:8090/, https://m.example/rtc',
      RTC_ICE_SERVERS: 'stun:stun.example.com:3478,turn:turn.example.com:3478?transport=udp',
      RTC_SHARED_SECRET: 'rtc-secret',
      RTC_TIMEOUT_MS: '2500',
    });
    expect(r.ok && r.value.rtc).toEqual({
      urls: ['http://10.0.0.5:8090', 'https://m.example/rtc'],
      iceServers: ['stun:stun.example.com:3478', 'turn:turn.example.com:3478?transport=udp'],
      secret: 'rtc-secret',
      timeoutMs: 2500,
      anonymousPublish: false,
    });
  });

  it('names each bad RTC value without echoing the secret', () => {
    const r = parseEdgeConfig({
      AUTH_MODE: 'off',
      RTC_URLS: 'media:8090',
      RTC_ICE_SERVERS: 'https://stun.example.com',
      RTC_SHARED_SECRET: 'has space',
      RTC_TIMEOUT_MS: '0',
      RTC_ANONYMOUS_PUBLISH: 'yes',
    });
    const lines = r.ok ? [] : r.error.map(formatConfigIssue);
    expect(lines).toEqual([
      'RTC_URLS[0]: expected absolute http(s) URL without query or fragment, got "media:8090"',
      'RTC_ICE_SERVERS[0]: expected a stun:, stuns:, turn: or turns: URL, got "https://stun.example.com"',
      'RTC_TIMEOUT_MS: expected an integer number of milliseconds from 1 to 60000, got "0"',
      'RTC_ANONYMOUS_PUBLISH: expected "on" or "off", got "yes"',
      'RTC_SHARED_SECRET: expected visible ASCII characters without spaces (sent as a header value), got a 9-character value that is not',
    ]);
  });
});
