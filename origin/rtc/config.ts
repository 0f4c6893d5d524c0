/**
 * RTC media server configuration: parses an environment-like record once into a frozen, typed
 * object. The only place its defaults live. Must not read `process.env` itself (main.ts passes it
 * in) and never throws on bad input: every problem comes back as an issue naming the key.
 */
import { type ConfigIssue, formatConfigIssue, shown } from '../../src/core/config/issue.ts';
import { readInteger, readList, readOneOf } from '../../src/core/config/read.ts';
import {
  readCorsOrigins,
  readLogSink,
  readOptionalBaseUrl,
  readSharedSecret,
} from '../../src/core/config/service.ts';
import { err, ok, type Result } from '../../src/core/result.ts';
import { RTC_STREAM_PATTERN } from '../../src/core/webrtc/contract.ts';
import { LOG_LEVELS, type LogLevel } from '../log.ts';

export { type ConfigIssue, formatConfigIssue };

/** Validated media server settings. Frozen; share freely. */
export interface RtcConfig {
  readonly host: string;
  readonly port: number;
  /** The edge's credential (`x-edgeshield-auth`); undefined only with RTC_AUTH=off. */
  readonly sharedSecret: string | undefined;
  readonly maxViewersPerStream: number;
  /** Live and pending sessions (viewers and publishers) on this server; beyond it 503 RTC_ERR_STREAM_FULL. */
  readonly maxSessions: number;
  /** Live and pending sessions one viewer (token `sub` or `sid`) may hold on one stream; beyond it 429. */
  readonly maxSessionsPerViewer: number;
  /** Egress ledger sink: `-` for stdout, a file path (appended), or undefined (off). */
  readonly egressLog: string | undefined;
  /** Stream name the built-in ffmpeg test source publishes; undefined = no sample stream. */
  readonly sampleStream: string | undefined;
  /** Addresses offered as ICE host candidates besides the host's interfaces (loopback by default). */
  readonly iceAddresses: readonly string[];
  /** UDP port range for ICE, or undefined for any free port. */
  readonly icePortRange: readonly [number, number] | undefined;
  /** A session whose ICE/DTLS does not connect within this long is torn down. */
  readonly connectTimeoutMs: number;
  /** A connected session that sends nothing (no RTCP, no media) or stays ICE-`disconnected` this long is torn down (viewer closed the tab). */
  readonly disconnectGraceMs: number;
  /** Exact origins or `*` (browsers call WHEP/WHIP cross-origin in development). */
  readonly corsOrigins: readonly string[];
  readonly logLevel: LogLevel;
  readonly ffmpegPath: string;
  /** The edge's base URL: ended sessions' records are also pushed to its `POST /rtc-usage`; undefined = off. */
  readonly usageUrl: string | undefined;
  /** Records per usage push (also cut to fit the edge's 256 KiB body cap). */
  readonly usageBatchSize: number;
  /** Records waiting for the edge at most; beyond it the oldest are dropped (RTC_EGRESS_LOG keeps them). */
  readonly usageMaxQueue: number;
}

/** Environment-like input: `process.env` or a plain record in tests. */
export type RtcEnv = Readonly<Record<string, string | undefined>>;

export const RTC_DEFAULTS = Object.freeze({
  RTC_HOST: '127.0.0.1',
  RTC_PORT: '8083',
  // Secure by default, like the shield: the media server answers only the edge's credential.
  RTC_AUTH: 'required',
  RTC_MAX_VIEWERS_PER_STREAM: '200',
  // Every session holds UDP sockets (file descriptors): bound the total so no burst can exhaust them.
  RTC_MAX_SESSIONS: '1000',
  RTC_MAX_SESSIONS_PER_VIEWER: '4',
  RTC_EGRESS_LOG: 'off',
  RTC_SAMPLE_STREAM: 'live',
  RTC_ICE_ADDRESSES: '127.0.0.1',
  RTC_CONNECT_TIMEOUT_MS: '10000',
  RTC_DISCONNECT_GRACE_MS: '5000',
  RTC_CORS_ORIGINS: '*',
  RTC_LOG_LEVEL: 'info',
  RTC_FFMPEG: 'ffmpeg',
  RTC_USAGE_URL: 'off',
  RTC_USAGE_BATCH_SIZE: '100',
  RTC_USAGE_MAX_QUEUE: '10000',
});

/**
 * @example
 *   const r = parseRtcConfig({ RTC_PORT: '0', RTC_AUTH: 'off' });
 *   if (!r.ok) console.error(r.error.map(formatConfigIssue).join('\n'));
 */
export function parseRtcConfig(env: RtcEnv): Result<RtcConfig, ConfigIssue[]> {
  const issues: ConfigIssue[] = [];
  const read = (key: keyof typeof RTC_DEFAULTS): string => env[key] ?? RTC_DEFAULTS[key];
  const integer = (key: keyof typeof RTC_DEFAULTS, min: number, max: number, unit?: string) =>
    readInteger(read(key), { key, min, max, ...(unit ? { unit } : {}) }, issues);

  const host = read('RTC_HOST').trim();
  if (host === '') issues.push({ key: 'RTC_HOST', expected: 'host name or address', got: shown(host) });
  const port = integer('RTC_PORT', 0, 65535);
  const sharedSecret = readSharedSecret(
    read('RTC_AUTH').trim(),
    env.RTC_SHARED_SECRET,
    { auth: 'RTC_AUTH', secret: 'RTC_SHARED_SECRET' },
    issues,
  );
  const maxViewersPerStream = integer('RTC_MAX_VIEWERS_PER_STREAM', 1, 100_000);
  const maxSessions = integer('RTC_MAX_SESSIONS', 1, 100_000);
  const maxSessionsPerViewer = integer('RTC_MAX_SESSIONS_PER_VIEWER', 1, 1_000);
  const egressLog = readLogSink(read('RTC_EGRESS_LOG'), 'RTC_EGRESS_LOG', issues);
  const sample = read('RTC_SAMPLE_STREAM').trim();
  if (sample !== '' && sample !== 'off' && !RTC_STREAM_PATTERN.test(sample))
    issues.push({
      key: 'RTC_SAMPLE_STREAM',
      expected: 'a stream name (1–64 of A-Z a-z 0-9 _ -) or "off"',
      got: shown(sample),
    });
  const iceAddresses = readList(
    read('RTC_ICE_ADDRESSES'),
    {
      key: 'RTC_ICE_ADDRESSES',
      what: 'a comma-separated list of IP addresses',
      parse: (s) => (/^[\d.]+$|^[\da-fA-F:]+$/.test(s) ? { value: s } : { expected: 'an IP address' }),
    },
    issues,
  );
  const icePortRange = parsePortRange(env.RTC_ICE_PORT_RANGE, issues);
  const connectTimeoutMs = integer('RTC_CONNECT_TIMEOUT_MS', 1_000, 600_000, 'milliseconds');
  const disconnectGraceMs = integer('RTC_DISCONNECT_GRACE_MS', 0, 600_000, 'milliseconds');
  const corsOrigins = readCorsOrigins(read('RTC_CORS_ORIGINS'), 'RTC_CORS_ORIGINS', issues);
  const logLevel = readOneOf(
    read('RTC_LOG_LEVEL').toLowerCase(),
    { key: 'RTC_LOG_LEVEL', allowed: LOG_LEVELS },
    issues,
  );
  const ffmpegPath = read('RTC_FFMPEG').trim();
  if (ffmpegPath === '') issues.push({ key: 'RTC_FFMPEG', expected: 'a command or path', got: shown('') });
  const usageUrl = readOptionalBaseUrl(read('RTC_USAGE_URL'), 'RTC_USAGE_URL', "the edge's base URL", issues);
  // The edge takes usage only with the shared secret (anyone could bill anyone otherwise).
  if (usageUrl !== undefined && sharedSecret === undefined && read('RTC_AUTH').trim() === 'off')
    issues.push({
      key: 'RTC_USAGE_URL',
      expected: 'off with RTC_AUTH=off (the edge accepts usage only with RTC_SHARED_SECRET)',
      got: shown(usageUrl),
    });
  const usageBatchSize = integer('RTC_USAGE_BATCH_SIZE', 1, 1_000);
  const usageMaxQueue = integer('RTC_USAGE_MAX_QUEUE', 1, 10_000_000);
  if (issues.length > 0) return err(issues);
  return ok(
    Object.freeze({
      host,
      port,
      sharedSecret,
      maxViewersPerStream,
      maxSessions,
      maxSessionsPerViewer,
      egressLog,
      sampleStream: sample === '' || sample === 'off' ? undefined : sample,
      iceAddresses: Object.freeze(iceAddresses),
      icePortRange,
      connectTimeoutMs,
      disconnectGraceMs,
      corsOrigins: Object.freeze(corsOrigins),
      logLevel,
      ffmpegPath,
      usageUrl,
      usageBatchSize,
      usageMaxQueue,
    }),
  );
}

/** RTC_ICE_PORT_RANGE: `MIN-MAX` (werift needs MIN < MAX), for a firewall that opens a range. */
function parsePortRange(
  raw: string | undefined,
  issues: ConfigIssue[],
): readonly [number, number] | undefined {
  if (raw === undefined || raw.trim() === '') return undefined;
  const m = /^\s*(\d{1,5})\s*-\s*(\d{1,5})\s*$/.exec(raw);
  const min = Number(m?.[1]);
  const max = Number(m?.[2]);
  if (m && min >= 1024 && max <= 65535 && min < max) return Object.freeze([min, max] as const);
  issues.push({
    key: 'RTC_ICE_PORT_RANGE',
    expected: '"MIN-MAX" with 1024 ≤ MIN < MAX ≤ 65535',
    got: shown(raw),
  });
  return undefined;
}
