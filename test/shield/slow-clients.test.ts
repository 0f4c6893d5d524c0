/**
 * Slow and hostile clients (issue 12) on real sockets: every connection, answered by the fast lane,
 * handed to Node's parser, or with the lane off, gets a header deadline, a body deadline and an idle
 * deadline, and the connection cap refuses cleanly. Deadlines are small (config) so the tests are
 * quick; they assert what the client sees (a 408 or 503, a closed socket), not durations.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { createLogger } from '../../origin/log.ts';
import { IMMUTABLE, type Pair, send, startPair } from './helpers.ts';
import { rawConnect, statusesOf, trickle } from './raw-client.ts';

const pairs: Pair[] = [];
afterEach(async () => {
  for (const p of pairs.splice(0)) await p.close();
});

/** Deadlines short enough for a test, with a keep-alive longer than the trickle gap. */
const FAST_DEADLINES = {
  SHIELD_HEADERS_TIMEOUT_MS: '300',
  SHIELD_REQUEST_TIMEOUT_MS: '600',
  SHIELD_KEEPALIVE_TIMEOUT_MS: '5000',
};

async function pair(env: Record<string, string> = {}, logLines?: string[]): Promise<Pair> {
  const logger = logLines && createLogger('warn', (line) => logLines.push(line));
  const p = await startPair({ ...FAST_DEADLINES, ...env }, logger ? { logger } : {});
  pairs.push(p);
  p.upstream.route('/v/a.ts', { body: 'segment-a', headers: IMMUTABLE });
  return p;
}

/** The repro: a chunked request makes the lane hand the connection to Node's parser. */
const HANDOVER = 'GET /healthz HTTP/1.1\r\nHost: s\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n';
const SLOW_HEAD =
  'GET /v/a.ts HTTP/1.1\r\nHost: s\r\nX-Slow: aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\r\n\r\n';
const purgeHead = (framing: string) => `POST /purge HTTP/1.1\r\nHost: s\r\n${framing}\r\n`;
const SLOW_BODY = ' '.repeat(200);

describe.each([
  ['on the fast lane', {}],
  ['with the fast lane off', { SHIELD_FAST_LANE: 'off' }],
])('slow clients %s', (_name, env) => {
  it('answers 408 and closes a connection whose request head trickles in past the header deadline', async () => {
    const p = await pair(env);
    const r = await trickle(p.shield.url, '', SLOW_HEAD, 20);
    expect(r.closedByServer).toBe(true);
    expect(statusesOf(r.received)).toEqual([408]);
    expect(r.received.toString()).toContain('"code":"SHIELD_ERR_REQUEST_TIMEOUT"');
  });

  it('answers 408 and closes a connection whose purge body trickles in past the request deadline, logging a client error', async () => {
    const lines: string[] = [];
    const p = await pair(env, lines);
    const r = await trickle(p.shield.url, purgeHead('Content-Length: 200\r\n'), SLOW_BODY, 20);
    expect(r.closedByServer).toBe(true);
    expect(statusesOf(r.received)).toEqual([408]);
    await until(() => lines.length > 0);
    const logged = lines.map((l) => JSON.parse(l) as { level: string; msg: string; code?: string });
    expect(logged.map((l) => [l.level, l.code])).toEqual([['warn', 'SHIELD_ERR_CLIENT_ABORTED']]);
  });

  it('refuses two Host headers with 400, even for an object that is cached', async () => {
    const p = await pair({ ...env, SHIELD_KEEPALIVE_TIMEOUT_MS: '200' });
    await send(p.shield.url, '/v/a.ts');
    const r = await trickle(
      p.shield.url,
      'GET /v/a.ts HTTP/1.1\r\nHost: a.example\r\nHost: b.example\r\n\r\n',
      '',
      1_000,
    );
    expect(statusesOf(r.received)).toEqual([400]);
    expect(r.received.toString()).toContain('"code":"SHIELD_ERR_BAD_REQUEST"');
  });

  it('answers 503 to connections over SHIELD_MAX_CONNECTIONS and serves again once one closes', async () => {
    const p = await pair({ ...env, SHIELD_MAX_CONNECTIONS: '2' });
    // Two keep-alive connections, each answered once, so the shield has certainly counted both.
    const held = [rawConnect(p.shield.url), rawConnect(p.shield.url)];
    await Promise.all(
      held.map((s) => {
        s.write('GET /healthz HTTP/1.1\r\nHost: s\r\n\r\n');
        return new Promise((resolve) => s.once('data', resolve));
      }),
    );
    const over = await trickle(p.shield.url, 'GET /v/a.ts HTTP/1.1\r\nHost: s\r\n\r\n', '', 1_000);
    expect(over.closedByServer).toBe(true);
    expect(statusesOf(over.received)).toEqual([503]);
    expect(over.received.toString()).toContain('"code":"SHIELD_ERR_TOO_MANY_CONNECTIONS"');
    for (const s of held) s.destroy();
    await until(async () => (await send(p.shield.url, '/v/a.ts').catch(() => undefined))?.status === 200);
    const metrics = (await send(p.shield.url, '/metrics')).body.toString();
    expect(metrics).toMatch(/^shield_errors_total\{code="SHIELD_ERR_TOO_MANY_CONNECTIONS"\} [1-9]/m);
  });
});

describe('slow clients on a connection the lane handed to Node', () => {
  it('answers 408 and closes when the next request head trickles in (the issue 12 repro)', async () => {
    const p = await pair();
    const r = await trickle(p.shield.url, HANDOVER, SLOW_HEAD, 20);
    expect(r.closedByServer).toBe(true);
    expect(statusesOf(r.received)).toEqual([200, 408]);
  });

  it('answers 408 and closes when a chunked purge body trickles in', async () => {
    const lines: string[] = [];
    const p = await pair({}, lines);
    const r = await trickle(
      p.shield.url,
      `${purgeHead('Transfer-Encoding: chunked\r\n')}c8\r\n`,
      SLOW_BODY,
      20,
    );
    expect(r.closedByServer).toBe(true);
    expect(statusesOf(r.received)).toEqual([408]);
    await until(() => lines.length > 0);
    expect(lines.some((l) => l.includes('"SHIELD_ERR_CLIENT_ABORTED"') && l.includes('"warn"'))).toBe(true);
    expect(lines.some((l) => l.includes('SHIELD_ERR_INTERNAL'))).toBe(false);
  });

  it('closes the connection once it has been idle for the keep-alive timeout', async () => {
    const p = await pair({ SHIELD_KEEPALIVE_TIMEOUT_MS: '200' });
    const r = await trickle(p.shield.url, HANDOVER, '', 1_000);
    expect(r.closedByServer).toBe(true);
    expect(statusesOf(r.received)).toEqual([200]);
  });
});

describe('purge bodies cut short by the client', () => {
  it.each([
    ['Content-Length', 'Content-Length: 200\r\n\r\n{"url":'],
    ['chunked', 'Transfer-Encoding: chunked\r\n\r\nc8\r\n{"url":'],
  ])('log a client error, not a 500, when a %s body is aborted', async (_framing, partial) => {
    const lines: string[] = [];
    const p = await pair({}, lines);
    const socket = rawConnect(p.shield.url);
    await new Promise((resolve) => socket.once('connect', resolve));
    socket.write(`POST /purge HTTP/1.1\r\nHost: s\r\n${partial}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
    socket.destroy();
    await until(() => lines.length > 0);
    const logged = lines.map((l) => JSON.parse(l) as { level: string; code?: string; stack?: string });
    expect(logged.map((l) => [l.level, l.code, l.stack])).toEqual([
      ['warn', 'SHIELD_ERR_CLIENT_ABORTED', undefined],
    ]);
  });
});

/** Polls `check` (every 20 ms, up to 5 s). */
async function until(check: () => boolean | Promise<boolean>): Promise<void> {
  for (let i = 0; i < 250; i++) {
    if (await check()) return;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  throw new Error('condition not reached within 5 s');
}
