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
    });
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
