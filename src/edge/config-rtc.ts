/**
 * WebRTC signalling configuration (issue 16): the media servers WHIP/WHEP offers go to, the secret
 * the edge shows them and the ICE servers viewers are told about. RTC_URLS unset or empty turns the
 * routes off (501 EDGE_ERR_RTC_DISABLED), and with them the media servers' usage push (`POST /rtc-usage`,
 * which also needs the secret). Defaults live here; never throws, never echoes a secret.
 */
import type { IssueSink } from '../core/config/issue.ts';
import { readInteger, readList, readOnOff } from '../core/config/read.ts';
import { parseBaseUrl } from '../core/config/url.ts';
import { ICE_SERVER_PATTERN } from '../core/webrtc/edge-rules.ts';
import { checkSecret } from './config-secret.ts';

export interface RtcEnv {
  /** Media servers (WHIP/WHEP), comma-separated base URLs; rendezvous by stream name. Unset: off. */
  readonly RTC_URLS?: string;
  /** Secret: sent as `x-edgeshield-auth` to the media server, and expected from it on `POST /rtc-usage`. */
  readonly RTC_SHARED_SECRET?: string;
  /** `stun:`/`turn:` URLs advertised as `Link: <…>; rel="ice-server"` instead of the media server's. */
  readonly RTC_ICE_SERVERS?: string;
  /** Deadline for one media server attempt, ms (default 10000). */
  readonly RTC_TIMEOUT_MS?: string;
  /** `on` lets anyone publish (WHIP) while AUTH_MODE=off; default `off`: no token, no publishing. */
  readonly RTC_ANONYMOUS_PUBLISH?: string;
}

export interface RtcConfig {
  readonly urls: readonly string[];
  readonly secret: string | undefined;
  readonly iceServers: readonly string[];
  readonly timeoutMs: number;
  readonly anonymousPublish: boolean;
}

/** @example parseRtcConfig({ RTC_URLS: 'http://127.0.0.1:8090' }, issues)?.urls // ['http://127.0.0.1:8090'] */
export function parseRtcConfig(env: RtcEnv, issues: IssueSink<keyof RtcEnv>): RtcConfig | undefined {
  const urls = readList(
    env.RTC_URLS ?? '',
    { key: 'RTC_URLS', what: 'a comma-separated list of media server URLs', parse: parseBaseUrl },
    issues,
  );
  const iceServers = readList(
    env.RTC_ICE_SERVERS ?? '',
    {
      key: 'RTC_ICE_SERVERS',
      what: 'a comma-separated list of stun:/turn: URLs',
      parse: (s) =>
        ICE_SERVER_PATTERN.test(s) ? { value: s } : { expected: 'a stun:, stuns:, turn: or turns: URL' },
    },
    issues,
  );
  const timeoutMs = readInteger(
    env.RTC_TIMEOUT_MS ?? '10000',
    { key: 'RTC_TIMEOUT_MS', min: 1, max: 60_000, unit: 'milliseconds' },
    issues,
  );
  const anonymousPublish = readOnOff(env.RTC_ANONYMOUS_PUBLISH ?? 'off', 'RTC_ANONYMOUS_PUBLISH', issues);
  checkSecret('RTC_SHARED_SECRET', env.RTC_SHARED_SECRET, 1, issues);
  if (urls.length === 0) return undefined;
  const secret = env.RTC_SHARED_SECRET || undefined;
  return Object.freeze({
    urls: Object.freeze(urls),
    secret,
    iceServers: Object.freeze(iceServers),
    timeoutMs,
    anonymousPublish,
  });
}
