/**
 * The media server's usage push (RTC_USAGE_URL) on real sockets: a session ended by DELETE reaches a
 * small local receiver standing in for the edge's `POST /rtc-usage`, with the shared secret; a 503 is
 * retried until taken, a 400 drops the batch without a retry loop, a 400 naming some records drops only
 * those, the waiting queue is bounded, and a shutdown flush gives up at its deadline.
 */
import { once } from 'node:events';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger, type Logger } from '../../origin/log.ts';
import { parseRtcConfig } from '../../origin/rtc/config.ts';
import { type RtcServer, startRtcServer } from '../../origin/rtc/server.ts';
import { createUsagePusher } from '../../origin/rtc/usage-push.ts';
import type { EgressRecord } from '../../src/core/ledger/record.ts';
import { RTC_AUTH_HEADER, RTC_VIEWER_HEADER } from '../../src/core/webrtc/contract.ts';
import { rtcSessionRecord } from '../../src/core/webrtc/session-record.ts';
import { RTC_USAGE_PATH } from '../../src/core/webrtc/usage-batch.ts';
import { weriftOffer } from '../fixtures/rtc.ts';

const SECRET = 'rtc-usage-test-secret';
const auth = { [RTC_AUTH_HEADER]: SECRET };

interface Received {
  readonly path: string;
  readonly headers: IncomingHttpHeaders;
  readonly records: EgressRecord[];
}

interface Answer {
  readonly status: number;
  readonly headers?: Record<string, string>;
  readonly body?: string;
}

/** The edge's stand-in: records every request; answers each from `script` (202 when it runs out). */
async function startReceiver() {
  const received: Received[] = [];
  const script: (Answer | (() => Promise<Answer>))[] = [];
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', async () => {
      received.push({
        path: req.url ?? '',
        headers: req.headers,
        records: JSON.parse(Buffer.concat(chunks).toString('utf8')),
      });
      const next = script.shift() ?? { status: 202, body: '{"accepted":1}' };
      const answer = typeof next === 'function' ? await next() : next;
      res.writeHead(answer.status, { 'content-type': 'application/json', ...answer.headers });
      res.end(answer.body ?? '{}');
    });
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    received,
    script,
    /** Waits until `n` requests in all have arrived. */
    async requests(n: number): Promise<Received[]> {
      const deadline = Date.now() + 15_000;
      while (received.length < n) {
        if (Date.now() > deadline) throw new Error(`only ${received.length} of ${n} usage pushes arrived`);
        await new Promise((r) => setTimeout(r, 20));
      }
      return received.slice(0, n);
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
type Receiver = Awaited<ReturnType<typeof startReceiver>>;

function captureLogger(): { logger: Logger; lines: Record<string, unknown>[] } {
  const lines: Record<string, unknown>[] = [];
  return { lines, logger: createLogger('info', (line) => lines.push(JSON.parse(line))) };
}

describe('RTC media server with RTC_USAGE_URL', () => {
  let receiver: Receiver;
  let rtc: RtcServer;
  let dir: string;
  let ledger: string;
  const { logger, lines } = captureLogger();

  beforeAll(async () => {
    receiver = await startReceiver();
    dir = await mkdtemp(join(tmpdir(), 'rtc-usage-'));
    ledger = join(dir, 'rtc.ndjson');
    const config = parseRtcConfig({
      RTC_PORT: '0',
      RTC_SHARED_SECRET: SECRET,
      RTC_SAMPLE_STREAM: 'off',
      RTC_EGRESS_LOG: ledger,
      RTC_USAGE_URL: `${receiver.url}/`,
    });
    if (!config.ok) throw new Error(JSON.stringify(config.error));
    rtc = await startRtcServer({ config: config.value, logger });
  });
  afterAll(async () => {
    await rtc?.stop();
    await receiver?.close();
    await rm(dir, { recursive: true, force: true });
  });

  const post = async (path: string, offer: string, headers: Record<string, string> = {}) => {
    const res = await fetch(`${rtc.url}${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/sdp', ...auth, ...headers },
      body: offer,
    });
    expect(res.status).toBe(201);
    await res.arrayBuffer();
    return res.headers.get('location') ?? '';
  };
  const end = async (location: string) => {
    const res = await fetch(`${rtc.url}${location}`, { method: 'DELETE', headers: auth });
    expect(res.status).toBe(200);
    return location.split('/').at(-1);
  };
  /** A publisher session on its own stream, ended at once: one record, with this session id. */
  const publishAndEnd = async (stream: string) =>
    end(await post(`/whip/${stream}`, await weriftOffer('sendonly')));

  it('pushes the record of a session ended by DELETE, with the secret, as the NDJSON file has it', async () => {
    const publisher = await post('/whip/cam', await weriftOffer('sendonly'));
    const viewer = await post('/whep/cam', await weriftOffer('recvonly'), {
      [RTC_VIEWER_HEADER]: JSON.stringify({ tenant: 'acme', country: 'DE', sessionId: 'sid-1' }),
    });
    const id = await end(viewer);
    const [push] = await receiver.requests(1);
    expect(push?.path).toBe(RTC_USAGE_PATH);
    expect(push?.headers[RTC_AUTH_HEADER]).toBe(SECRET);
    expect(push?.headers['content-type']).toBe('application/json');
    expect(push?.records).toEqual([
      expect.objectContaining({
        tier: 'rtc',
        role: 'viewer',
        tenant: 'acme',
        sessionId: 'sid-1',
        rtcSessionId: id,
      }),
    ]);
    const file = (await readFile(ledger, 'utf8'))
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(file.find((r) => r.rtcSessionId === id)).toEqual(push?.records[0]);
    await end(publisher);
    await receiver.requests(2);
  });

  it('retries a batch the edge answered 503 and delivers it once', async () => {
    const before = receiver.received.length;
    receiver.script.push({ status: 503, headers: { 'retry-after': '0' } });
    const first = await publishAndEnd('retry1');
    const [refused, taken] = (await receiver.requests(before + 2)).slice(before);
    expect(refused?.records.map((r) => r.rtcSessionId)).toEqual([first]);
    expect(taken?.records).toEqual(refused?.records);
    // Delivered: the next push carries only the next session.
    const second = await publishAndEnd('retry2');
    const [next] = (await receiver.requests(before + 3)).slice(before + 2);
    expect(next?.records.map((r) => r.rtcSessionId)).toEqual([second]);
    expect(lines).toContainEqual(
      expect.objectContaining({ level: 'warn', msg: 'rtc usage push failed; retrying', reason: 'HTTP 503' }),
    );
  });

  it('drops a batch the edge answered 400, logs it and never sends it again', async () => {
    const before = receiver.received.length;
    receiver.script.push({ status: 400, body: '{"code":"EDGE_ERR_RTC_USAGE_BAD_REQUEST","message":"bad"}' });
    const dropped = await publishAndEnd('bad1');
    await receiver.requests(before + 1);
    const later = await publishAndEnd('bad2');
    const [next] = (await receiver.requests(before + 2)).slice(before + 1);
    expect(next?.records.map((r) => r.rtcSessionId)).toEqual([later]);
    expect(lines).toContainEqual(
      expect.objectContaining({
        level: 'error',
        msg: 'rtc usage batch refused by the edge: dropped (not retried)',
        status: 400,
        sessions: [dropped],
      }),
    );
  });

  it('pushes the sessions a shutdown ends before stop() resolves', async () => {
    const before = receiver.received.length;
    const location = await post('/whip/last', await weriftOffer('sendonly'));
    await rtc.stop();
    expect(
      receiver.received.slice(before).map((p) => p.records.map((r) => [r.rtcSessionId, r.status])),
    ).toEqual([[[location.split('/').at(-1), 200]]]);
  });
});

describe('createUsagePusher', () => {
  let receiver: Receiver;
  let serial = 0;
  beforeAll(async () => {
    receiver = await startReceiver();
  });
  afterAll(async () => {
    await receiver?.close();
  });

  const record = (): EgressRecord =>
    rtcSessionRecord({
      kind: 'whep',
      stream: 'live',
      session: `P${String(serial++).padStart(23, '0')}`,
      startedAt: Date.now() - 10_000,
      endedAt: Date.now(),
      bytesSent: 1000,
      bytesReceived: 0,
      viewer: {},
      ended: 'deleted',
    });
  const pusher = (logger: Logger, maxQueue = 100) =>
    createUsagePusher({ url: receiver.url, secret: SECRET, batchSize: 100, maxQueue, logger });
  /** A script entry that holds its answer until `open()` is called. */
  const gate = () => {
    let open = () => {};
    const opened = new Promise<void>((resolve) => {
      open = resolve;
    });
    const answer = async (): Promise<Answer> => {
      await opened;
      return { status: 202 };
    };
    return { open, answer };
  };

  it('batches what ended meanwhile; a 400 naming one record drops it and sends the rest once more', async () => {
    const { logger, lines } = captureLogger();
    const usage = pusher(logger);
    const before = receiver.received.length;
    const held = gate();
    receiver.script.push(held.answer, {
      status: 400,
      body: JSON.stringify({ code: 'EDGE_ERR_RTC_USAGE_BAD_REQUEST', issues: ['[1].bytes: expected …'] }),
    });
    const [a, b, c] = [record(), record(), record()];
    usage.push(a);
    await receiver.requests(before + 1);
    usage.push(b);
    usage.push(c);
    held.open();
    const pushes = (await receiver.requests(before + 3)).slice(before);
    expect(pushes.map((p) => p.records.map((r) => r.rtcSessionId))).toEqual([
      [a.rtcSessionId],
      [b.rtcSessionId, c.rtcSessionId],
      [b.rtcSessionId],
    ]);
    await usage.flush(5_000);
    expect(usage.pending()).toBe(0);
    expect(lines).toContainEqual(
      expect.objectContaining({
        level: 'error',
        sessions: [c.rtcSessionId],
        issues: ['[1].bytes: expected …'],
      }),
    );
  });

  it('drops the oldest waiting record at the bound and says how many', async () => {
    const { logger, lines } = captureLogger();
    const usage = pusher(logger, 2);
    const before = receiver.received.length;
    const held = gate();
    receiver.script.push(held.answer);
    const [a, b, c, d] = [record(), record(), record(), record()];
    usage.push(a);
    await receiver.requests(before + 1);
    usage.push(b);
    usage.push(c);
    usage.push(d);
    expect(usage.pending()).toBe(3);
    held.open();
    const [, next] = (await receiver.requests(before + 2)).slice(before);
    expect(next?.records.map((r) => r.rtcSessionId)).toEqual([c.rtcSessionId, d.rtcSessionId]);
    expect(lines).toContainEqual(expect.objectContaining({ level: 'warn', droppedTotal: 1, maxQueue: 2 }));
    await usage.flush(5_000);
  });

  it('gives up a shutdown flush at its deadline and says what was not delivered', async () => {
    const { logger, lines } = captureLogger();
    const down = await startReceiver();
    // Every answer 503: the edge stays unavailable.
    for (let i = 0; i < 1000; i++) down.script.push({ status: 503 });
    const usage = createUsagePusher({ url: down.url, secret: SECRET, batchSize: 100, maxQueue: 100, logger });
    try {
      usage.push(record());
      usage.push(record());
      await usage.flush(500);
      expect(usage.pending()).toBe(2);
      expect(lines).toContainEqual(
        expect.objectContaining({
          msg: 'rtc usage not delivered at shutdown (RTC_EGRESS_LOG has them)',
          records: 2,
        }),
      );
    } finally {
      usage.abandon();
      await down.close();
    }
  });
});
