/** The strict check of a media server's usage batch before the edge queues it for the D1 ledger. */
import { describe, expect, it } from 'vitest';
import { parseLedgerLine } from '../../../src/core/ledger/logpush.ts';
import { rtcSessionRecord } from '../../../src/core/webrtc/session-record.ts';
import {
  parseRtcUsageBatch,
  RTC_USAGE_MAX_AGE_MS,
  RTC_USAGE_MAX_RECORDS,
} from '../../../src/core/webrtc/usage-batch.ts';

const NOW = Date.UTC(2026, 11, 3, 12, 0, 0);

const session = (over: Partial<Parameters<typeof rtcSessionRecord>[0]> = {}) =>
  rtcSessionRecord({
    kind: 'whep',
    stream: 'live',
    session: 'AAAAAAAAAAAAAAAAAAAAAAAA',
    startedAt: NOW - 120_000,
    endedAt: NOW - 1_000,
    bytesSent: 9_000_000,
    bytesReceived: 20_000,
    viewer: { country: 'DE', tenant: 'acme', sessionId: 'sid-1', asn: 3320, asOrganization: 'DTAG' },
    ended: 'deleted',
    ...over,
  });
/** As it travels: through JSON, like the media server's POST body. */
const wire = (value: unknown): unknown => JSON.parse(JSON.stringify(value));

describe('parseRtcUsageBatch', () => {
  it('takes the records the media server writes, unchanged', () => {
    const records = [session(), session({ kind: 'whip', session: 'B'.repeat(24), ended: 'disconnected' })];
    expect(parseRtcUsageBatch(wire(records), NOW)).toEqual({ ok: true, value: records });
  });

  it('rebuilds derived fields from the checked ones and ignores unknown ones', () => {
    const sent = { ...session(), path: '/anything', cacheStatus: 'HIT', originBytes: 5, futureField: 1 };
    const r = parseRtcUsageBatch(wire([sent]), NOW);
    expect(r.ok && r.value[0]).toEqual(session());
  });

  it('refuses the whole batch and names every bad record by index and field', () => {
    const batch = wire([
      session(),
      { ...session({ session: 'C'.repeat(24) }), bytes: -1, tier: 'edge' },
      { ...session({ session: 'D'.repeat(24) }), sessionId: '' },
      'x',
    ]);
    expect(parseRtcUsageBatch(batch, NOW)).toEqual({
      ok: false,
      error: [
        '[1].tier: expected "rtc", got "edge"',
        '[1].bytes: expected a non-negative integer, got -1',
        '[2].sessionId: expected text of 1–256 characters without control characters, got ""',
        '[3]: expected an rtc egress record (a JSON object), got "x"',
      ],
    });
  });

  it('refuses bytes and durations that are not finite non-negative integers', () => {
    for (const bad of [1.5, '10', null, 1e300]) {
      const r = parseRtcUsageBatch([{ ...session(), bytes: bad, durationMs: bad }], NOW);
      expect(r.ok ? [] : r.error.map((i) => i.split(':')[0])).toEqual(['[0].durationMs', '[0].bytes']);
    }
  });

  it('refuses a start older than the window, a session ending in the future, and seconds for ms', () => {
    const old = session({ startedAt: NOW - RTC_USAGE_MAX_AGE_MS - 1, endedAt: NOW - 1 });
    const future = session({ endedAt: NOW + 3_600_000 });
    const seconds = { ...session(), ts: Math.trunc((NOW - 120_000) / 1000) };
    const r = parseRtcUsageBatch(wire([old, { ...future, rtcSessionId: 'E'.repeat(24) }, seconds]), NOW);
    expect(r.ok ? [] : r.error.map((i) => i.split(':')[0])).toEqual(['[0].ts', '[1].durationMs', '[2].ts']);
  });

  it('needs the session ids, a role and a stream name, and bounds every text', () => {
    const { rtcSessionId: _, ...noId } = session();
    const r = parseRtcUsageBatch(
      wire([
        { ...noId, sessionId: 'x'.repeat(257) },
        { ...session(), rtcSessionId: 'F'.repeat(24), role: 'admin', stream: '../x' },
        { ...session(), rtcSessionId: 'G'.repeat(24), country: 'de', tenant: 'a\nb', asn: 0 },
      ]),
      NOW,
    );
    expect(r.ok ? [] : r.error.map((i) => i.split(':')[0])).toEqual([
      '[0].rtcSessionId',
      '[0].sessionId',
      '[1].role',
      '[1].stream',
      '[2].country',
      '[2].asn',
      '[2].tenant',
    ]);
  });

  it('refuses one session twice in a batch, an empty batch, a non-array and too many records', () => {
    const twice = parseRtcUsageBatch(wire([session(), session()]), NOW);
    expect(twice.ok ? [] : twice.error).toEqual([
      '[1].rtcSessionId: expected one record per session, got a repeat of [0]',
    ]);
    expect(parseRtcUsageBatch([], NOW).ok).toBe(false);
    expect(parseRtcUsageBatch({ records: [] }, NOW)).toEqual({
      ok: false,
      error: ['body: expected a JSON array of rtc egress records, got an object'],
    });
    const many = parseRtcUsageBatch(new Array(RTC_USAGE_MAX_RECORDS + 1).fill(session()), NOW);
    expect(many.ok ? [] : many.error).toEqual([
      `body: expected at most ${RTC_USAGE_MAX_RECORDS} records, got ${RTC_USAGE_MAX_RECORDS + 1}`,
    ]);
  });
});

describe('an rtc record read back from a D1 ledger row', () => {
  it('gets its role from the path (the ledger has no role column)', () => {
    const { role: _, stream: __, ...row } = session({ kind: 'whip' });
    const back = parseLedgerLine(JSON.stringify(row));
    expect(typeof back === 'object' && [back.role, back.stream]).toEqual(['publisher', undefined]);
  });
});
