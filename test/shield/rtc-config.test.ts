/** parseRtcConfig: defaults, the secret rules shared with the shield, issues naming the key. */
import { describe, expect, it } from 'vitest';
import { formatConfigIssue, parseRtcConfig } from '../../origin/rtc/config.ts';

const issues = (env: Record<string, string>) => {
  const r = parseRtcConfig(env);
  return r.ok ? [] : r.error.map(formatConfigIssue);
};

describe('parseRtcConfig', () => {
  it('applies the documented defaults to an environment holding only the secret', () => {
    const r = parseRtcConfig({ RTC_SHARED_SECRET: 's' });
    expect(r.ok && r.value).toEqual({
      host: '127.0.0.1',
      port: 8083,
      sharedSecret: 's',
      maxViewersPerStream: 200,
      maxSessions: 1000,
      maxSessionsPerViewer: 4,
      egressLog: undefined,
      sampleStream: 'live',
      iceAddresses: ['127.0.0.1'],
      icePortRange: undefined,
      connectTimeoutMs: 10000,
      disconnectGraceMs: 5000,
      corsOrigins: ['*'],
      logLevel: 'info',
      ffmpegPath: 'ffmpeg',
      usageUrl: undefined,
      usageBatchSize: 100,
      usageMaxQueue: 10000,
    });
  });

  it('pushes usage to the edge named by RTC_USAGE_URL, only with the shared secret', () => {
    const r = parseRtcConfig({
      RTC_SHARED_SECRET: 's',
      RTC_USAGE_URL: 'https://edge.example/',
      RTC_USAGE_BATCH_SIZE: '50',
      RTC_USAGE_MAX_QUEUE: '500',
    });
    expect(r.ok && [r.value.usageUrl, r.value.usageBatchSize, r.value.usageMaxQueue]).toEqual([
      'https://edge.example',
      50,
      500,
    ]);
    expect(parseRtcConfig({ RTC_SHARED_SECRET: 's', RTC_USAGE_URL: 'off' }).ok).toBe(true);
    expect(issues({ RTC_AUTH: 'off', RTC_USAGE_URL: 'http://127.0.0.1:8787' })).toEqual([
      'RTC_USAGE_URL: expected off with RTC_AUTH=off (the edge accepts usage only with RTC_SHARED_SECRET), got "http://127.0.0.1:8787"',
    ]);
    expect(
      issues({
        RTC_SHARED_SECRET: 's',
        RTC_USAGE_URL: 'edge:8787',
        RTC_USAGE_BATCH_SIZE: '0',
        RTC_USAGE_MAX_QUEUE: 'many',
      }),
    ).toEqual([
      `RTC_USAGE_URL: expected the edge's base URL: absolute http(s) URL without query or fragment, or "off", got "edge:8787"`,
      'RTC_USAGE_BATCH_SIZE: expected an integer from 1 to 1000, got "0"',
      'RTC_USAGE_MAX_QUEUE: expected an integer from 1 to 10000000, got "many"',
    ]);
  });

  it('refuses to start without the edge secret unless RTC_AUTH=off', () => {
    expect(issues({})).toEqual([
      "RTC_SHARED_SECRET: expected the edge's shared secret (or RTC_AUTH=off on a trusted network), got nothing",
    ]);
    expect(issues({ RTC_AUTH: 'off' })).toEqual([]);
    expect(issues({ RTC_AUTH: 'off', RTC_SHARED_SECRET: 's' })[0]).toMatch(/^RTC_AUTH: expected required/);
  });

  it('names every bad key at once', () => {
    expect(
      issues({
        RTC_AUTH: 'off',
        RTC_PORT: 'x',
        RTC_MAX_VIEWERS_PER_STREAM: '0',
        RTC_SAMPLE_STREAM: '../x',
        RTC_ICE_PORT_RANGE: '5000-4000',
        RTC_ICE_ADDRESSES: 'localhost',
      }).map((i) => i.split(':')[0]),
    ).toEqual([
      'RTC_PORT',
      'RTC_MAX_VIEWERS_PER_STREAM',
      'RTC_SAMPLE_STREAM',
      'RTC_ICE_ADDRESSES[0]',
      'RTC_ICE_PORT_RANGE',
    ]);
  });

  it('turns the sample stream off with "off" and takes a port range and egress log', () => {
    const r = parseRtcConfig({
      RTC_AUTH: 'off',
      RTC_SAMPLE_STREAM: 'off',
      RTC_ICE_PORT_RANGE: '40000-40100',
      RTC_EGRESS_LOG: 'stdout',
    });
    expect(r.ok && [r.value.sampleStream, r.value.icePortRange, r.value.egressLog]).toEqual([
      undefined,
      [40000, 40100],
      '-',
    ]);
  });
});
