/**
 * The edge's WHIP/WHEP rules (src/core/webrtc/edge-rules.ts): who may publish, which media server
 * Location becomes which edge path, and the ICE server Link values.
 */
import { describe, expect, it } from 'vitest';
import {
  edgeSessionPath,
  ICE_SERVER_PATTERN,
  iceServerLinks,
  isRtcPrefix,
  publishAllowed,
} from '../../../src/core/webrtc/edge-rules.ts';

const ID = 'AAAAAAAAAAAAAAAAAAAAAA';
const WHEP_LIVE = { kind: 'whep', stream: 'live' } as const;

describe('publishAllowed', () => {
  it('opens WHIP only through an acl entry written for /whip/ that covers the path', () => {
    expect(publishAllowed(['/whip/live'], '/whip/live')).toBe(true);
    expect(publishAllowed(['/whip/live'], `/whip/live/sessions/${ID}`)).toBe(true);
    expect(publishAllowed(['/whip/*'], '/whip/any')).toBe(true);
  });

  it('refuses viewer and catch-all acls, other streams and tokens without acl', () => {
    expect(publishAllowed(['/whep/live'], '/whip/live')).toBe(false);
    expect(publishAllowed(['*'], '/whip/live')).toBe(false);
    expect(publishAllowed(['/'], '/whip/live')).toBe(false);
    expect(publishAllowed(['/whip/live'], '/whip/live2')).toBe(false);
    expect(publishAllowed(undefined, '/whip/live')).toBe(false);
  });
});

describe('edgeSessionPath', () => {
  it('turns an absolute Location into the same path on the edge', () => {
    expect(
      edgeSessionPath(`http://10.0.0.5:8090/whep/live/sessions/${ID}`, 'http://10.0.0.5:8090', WHEP_LIVE),
    ).toBe(`/whep/live/sessions/${ID}`);
  });

  it('resolves path-absolute and relative Locations against the offer URL', () => {
    expect(edgeSessionPath(`/whep/live/sessions/${ID}`, 'http://m:1', WHEP_LIVE)).toBe(
      `/whep/live/sessions/${ID}`,
    );
    expect(edgeSessionPath(`live/sessions/${ID}`, 'http://m:1', WHEP_LIVE)).toBe(`/whep/live/sessions/${ID}`);
  });

  it('drops the base path of a media server mounted under a prefix', () => {
    expect(edgeSessionPath(`https://m/rtc/whep/live/sessions/${ID}`, 'https://m/rtc', WHEP_LIVE)).toBe(
      `/whep/live/sessions/${ID}`,
    );
    expect(edgeSessionPath(`https://m/whep/live/sessions/${ID}`, 'https://m/rtc', WHEP_LIVE)).toBeUndefined();
  });

  it('refuses a Location of another stream or kind, a non-session path or garbage', () => {
    expect(edgeSessionPath(`/whep/other/sessions/${ID}`, 'http://m:1', WHEP_LIVE)).toBeUndefined();
    expect(edgeSessionPath(`/whip/live/sessions/${ID}`, 'http://m:1', WHEP_LIVE)).toBeUndefined();
    expect(edgeSessionPath('/whep/live', 'http://m:1', WHEP_LIVE)).toBeUndefined();
    expect(edgeSessionPath(`/whep/live/sessions/${ID}/x`, 'http://m:1', WHEP_LIVE)).toBeUndefined();
    expect(edgeSessionPath('http://[bad', 'http://m:1', WHEP_LIVE)).toBeUndefined();
  });
});

describe('ICE servers and prefixes', () => {
  it('writes one RFC 9725 Link value per ICE server', () => {
    expect(iceServerLinks(['stun:s.example:3478'])).toEqual(['<stun:s.example:3478>; rel="ice-server"']);
  });

  it('accepts stun/turn URIs and refuses anything that could break a Link header', () => {
    expect(ICE_SERVER_PATTERN.test('turns:t.example:5349?transport=tcp')).toBe(true);
    expect(ICE_SERVER_PATTERN.test('https://t.example')).toBe(false);
    expect(ICE_SERVER_PATTERN.test('stun:a>; rel="x"')).toBe(false);
  });

  it('knows the two signalling prefixes', () => {
    expect(isRtcPrefix('/whep/x')).toBe(true);
    expect(isRtcPrefix('/whip/x')).toBe(true);
    expect(isRtcPrefix('/whepx/y')).toBe(false);
  });
});
