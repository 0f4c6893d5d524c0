/**
 * The fast lane (origin/fast-lane.ts) on real sockets: raw bytes in, raw responses out, so
 * pipelining, split packets, framing edge cases and hand-over to Node's parser are visible.
 */
import { connect } from 'node:net';
import { PassThrough } from 'node:stream';
import { afterEach, describe, expect, it } from 'vitest';
import { createRandom } from '../../bench/lib/prng.ts';
import { createShieldEgressLog } from '../../origin/egress.ts';
import type { EgressRecord } from '../../src/core/ledger/record.ts';
import { IMMUTABLE, type Pair, send, startPair } from './helpers.ts';

const pairs: Pair[] = [];
afterEach(async () => {
  for (const p of pairs.splice(0)) await p.close();
});

async function pair(
  env: Record<string, string> = {},
  deps: Parameters<typeof startPair>[1] = {},
): Promise<Pair> {
  const p = await startPair(env, deps);
  pairs.push(p);
  p.upstream.route('/v/a.ts', { body: 'segment-a', headers: IMMUTABLE });
  p.upstream.route('/v/b.ts', { body: 'segment-b', headers: IMMUTABLE });
  p.upstream.route('/v/big.ts', { body: Buffer.alloc(4 << 20, 7), headers: IMMUTABLE });
  return p;
}

interface Parsed {
  readonly status: number;
  readonly headers: Record<string, string>;
  readonly body: string;
}

/** Splits raw HTTP/1.1 responses framed by Content-Length or chunked (HEAD responses carry none). */
function parseResponses(raw: Buffer, headOnly: readonly boolean[] = []): Parsed[] {
  const out: Parsed[] = [];
  let at = 0;
  while (at < raw.length) {
    const end = raw.indexOf('\r\n\r\n', at);
    if (end === -1) throw new Error(`incomplete head at ${at}: ${raw.subarray(at).toString('latin1')}`);
    const [statusLine = '', ...lines] = raw.toString('latin1', at, end).split('\r\n');
    const headers: Record<string, string> = {};
    for (const line of lines) {
      const colon = line.indexOf(':');
      headers[line.slice(0, colon).toLowerCase()] = line.slice(colon + 1).trim();
    }
    const status = Number(statusLine.split(' ')[1]);
    at = end + 4;
    let body = '';
    if (headers['transfer-encoding'] === 'chunked') {
      for (;;) {
        const sizeEnd = raw.indexOf('\r\n', at);
        const size = Number.parseInt(raw.toString('latin1', at, sizeEnd), 16);
        body += raw.toString('latin1', sizeEnd + 2, sizeEnd + 2 + size);
        at = sizeEnd + 2 + size + 2;
        if (size === 0) break;
      }
    } else if (headOnly[out.length] !== true) {
      const length = Number(headers['content-length'] ?? '0');
      body = raw.toString('latin1', at, at + length);
      at += length;
    }
    out.push({ status, headers, body });
  }
  return out;
}

/** Writes `parts` (with a pause between them) on one connection; resolves with every byte received. */
function exchange(url: string, parts: readonly (string | Buffer)[], gapMs = 0): Promise<Buffer> {
  const { port } = new URL(url);
  return new Promise((resolve, reject) => {
    const socket = connect(Number(port), '127.0.0.1');
    const chunks: Buffer[] = [];
    socket.on('data', (c: Buffer) => chunks.push(c));
    socket.on('error', reject);
    socket.on('close', () => resolve(Buffer.concat(chunks)));
    socket.on('connect', async () => {
      for (const part of parts) {
        socket.write(part);
        if (gapMs > 0) await new Promise((r) => setTimeout(r, gapMs));
      }
    });
  });
}

const get = (path: string, extra = '') => `GET ${path} HTTP/1.1\r\nHost: shield\r\n${extra}\r\n`;
const last = (path: string) => get(path, 'Connection: close\r\n');

describe('fast lane', () => {
  it('answers pipelined hits, a miss and a HEAD in request order on one connection', async () => {
    const p = await pair();
    await send(p.shield.url, '/v/a.ts');
    const raw = await exchange(p.shield.url, [
      get('/v/a.ts') +
        get('/v/b.ts') +
        `HEAD /v/a.ts HTTP/1.1\r\nHost: s\r\n\r\n` +
        get('/v/a.ts') +
        last('/v/b.ts'),
    ]);
    const rs = parseResponses(raw, [false, false, true, false, false]);
    expect(rs.map((r) => [r.status, r.headers['x-cache'], r.body])).toEqual([
      [200, 'HIT', 'segment-a'],
      [200, 'MISS', 'segment-b'],
      [200, 'HIT', ''],
      [200, 'HIT', 'segment-a'],
      [200, 'HIT', 'segment-b'],
    ]);
    expect(rs[2]?.headers['content-length']).toBe('9');
    expect(p.upstream.count('/v/b.ts')).toBe(1);
    // Three hits and one miss on the lane; requests with Connection: close (the last one, and the
    // helper's) went to Node, whose own fast path answered the last hit.
    const metrics = (await send(p.shield.url, '/metrics')).body.toString();
    expect(metrics).toMatch(/^shield_fast_lane_hits_total 3$/m);
    expect(metrics).toMatch(/^shield_cache_hits_total 4$/m);
  });

  it('reads requests split into single bytes and a purge body split across packets', async () => {
    const p = await pair();
    await send(p.shield.url, '/v/a.ts');
    const body = JSON.stringify({ url: '/v/a.ts' });
    const purge = `POST /purge HTTP/1.1\r\nHost: s\r\nContent-Type: application/json\r\nContent-Length: ${body.length}\r\n\r\n`;
    const bytes = [...get('/v/a.ts')].concat([purge, body.slice(0, 5), body.slice(5)], [last('/v/a.ts')]);
    const rs = parseResponses(await exchange(p.shield.url, bytes, 1));
    expect(rs.map((r) => [r.status, r.headers['x-cache']])).toEqual([
      [200, 'HIT'],
      [200, undefined],
      [200, 'MISS'],
    ]);
    expect(JSON.parse(rs[1]?.body ?? '')).toMatchObject({ purged: 1 });
  });

  it('sends the same headers as Node’s own server path', async () => {
    const lane = await pair();
    const node = await pair({ SHIELD_FAST_LANE: 'off' });
    for (const p of [lane, node]) await send(p.shield.url, '/v/a.ts');
    const [a, b] = await Promise.all(
      [lane, node].map(async (p) => parseResponses(await exchange(p.shield.url, [last('/v/a.ts')]))[0]),
    );
    expect(a?.headers['x-cache']).toBe('HIT');
    const { date: _a, connection: _c1, ...fromLane } = a?.headers ?? {};
    const { date: _b, connection: _c2, ...fromNode } = b?.headers ?? {};
    expect(Object.keys(a?.headers ?? {})).toEqual(Object.keys(b?.headers ?? {}));
    expect(fromLane).toEqual(fromNode);
    expect(a?.body).toBe(b?.body);
  });

  it('leaves an ambiguous request to Node, which refuses it, and answers nothing smuggled behind it', async () => {
    const p = await pair();
    await send(p.shield.url, '/v/a.ts');
    const smuggle =
      'POST /v/a.ts HTTP/1.1\r\nHost: s\r\nContent-Length: 4\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n' +
      get('/v/a.ts');
    const text = (await exchange(p.shield.url, [smuggle])).toString('latin1');
    expect(text).toMatch(/^HTTP\/1\.1 400 /);
    expect(text).toContain('"code":"SHIELD_ERR_BAD_REQUEST"');
    expect(text).not.toContain('segment-a');
  });

  it('hands HTTP/1.0 and Connection: close to Node, which closes after answering', async () => {
    const p = await pair();
    await send(p.shield.url, '/v/a.ts');
    const old = await exchange(p.shield.url, ['GET /v/a.ts HTTP/1.0\r\nHost: s\r\n\r\n']);
    expect(old.toString('latin1')).toMatch(/^HTTP\/1\.1 200 [\s\S]*segment-a$/);
    const closing = parseResponses(await exchange(p.shield.url, [get('/v/a.ts') + last('/v/a.ts')]));
    expect(closing.map((r) => [r.status, r.headers.connection])).toEqual([
      [200, 'keep-alive'],
      [200, 'close'],
    ]);
  });

  it('lets Node refuse a head over 16 KiB: 431 with the shield’s error code', async () => {
    const p = await pair();
    const big = get('/v/a.ts', `X-Pad: ${'p'.repeat(20_000)}\r\n`);
    const text = (await exchange(p.shield.url, [big])).toString('latin1');
    expect(text).toMatch(/^HTTP\/1\.1 431 /);
    expect(text).toContain('"code":"SHIELD_ERR_HEADERS_TOO_LARGE"');
  });

  it('keeps serving after a client hangs up in the middle of a 4 MiB hit', async () => {
    const p = await pair();
    await send(p.shield.url, '/v/big.ts');
    const { port } = new URL(p.shield.url);
    await new Promise<void>((resolve) => {
      const socket = connect(Number(port), '127.0.0.1', () => socket.write(get('/v/big.ts')));
      socket.once('data', () => {
        socket.destroy();
        resolve();
      });
    });
    const r = await send(p.shield.url, '/v/big.ts');
    expect(r.header('x-cache')).toBe('HIT');
    expect(r.body.length).toBe(4 << 20);
  });

  it('refuses a hit to a request without the edge secret, through Node’s error mapping', async () => {
    const p = await pair({ SHIELD_SHARED_SECRET: 's3cret' });
    await send(p.shield.url, '/v/a.ts', { headers: { 'x-edgeshield-auth': 's3cret' } });
    const rs = parseResponses(
      await exchange(p.shield.url, [get('/v/a.ts', 'X-EdgeShield-Auth: s3cret\r\n') + last('/v/a.ts')]),
    );
    expect(rs.map((r) => [r.status, r.headers['x-cache']])).toEqual([
      [200, 'HIT'],
      [401, undefined],
    ]);
    expect(JSON.parse(rs[1]?.body ?? '')).toMatchObject({ code: 'SHIELD_ERR_UNAUTHORIZED' });
  });

  it('writes the same egress record for a hit it answers as Node’s path does', async () => {
    const lines: string[] = [];
    const sink = new PassThrough();
    sink.on('data', (c: Buffer) => lines.push(...c.toString('utf8').split('\n').filter(Boolean)));
    // A frozen clock: Server-Timing `dur` and Age are then equal on both paths, so headerBytes must be too.
    const frozen = () => 1_767_225_600_000;
    const p = await pair({}, { egressLog: createShieldEgressLog(sink), now: frozen });
    await send(p.shield.url, '/v/a.ts');
    const cmcd = 'CMCD-Session: sid="s-1",st=v\r\n';
    // The first hit stays on the lane; the second (Connection: close) is answered by Node's server.
    await exchange(p.shield.url, [get('/v/a.ts', cmcd) + get('/v/a.ts', `${cmcd}Connection: close\r\n`)]);
    // Node's path records on the response's 'close': poll for all four lines (MISS, origin, two hits).
    const deadline = Date.now() + 10_000;
    while (lines.length < 4 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    const hits = lines
      .map((l) => JSON.parse(l) as EgressRecord)
      .filter((r) => r.tier === 'shield' && r.cacheStatus === 'HIT')
      .map(({ ts: _ts, durationMs: _d, ...rest }) => rest);
    expect(hits).toHaveLength(2);
    expect(hits[0]).toEqual(hits[1]);
    expect(hits[0]).toMatchObject({ bytes: 9, sessionId: 's-1', originBytes: 0, status: 200 });
    expect((await send(p.shield.url, '/metrics')).body.toString()).toMatch(
      /^shield_fast_lane_hits_total 1$/m,
    );
  });

  it('closes a connection that goes quiet inside a head or between requests, never one owed a response', async () => {
    const p = await pair({ SHIELD_KEEPALIVE_TIMEOUT_MS: '300' });
    p.upstream.route('/v/slow.ts', { body: 'slow-bytes', headers: IMMUTABLE, delayMs: 900 });
    const started = Date.now();
    const [quiet, slow] = await Promise.all([
      exchange(p.shield.url, ['GET /v/a.ts HTTP/1.1\r\nHost:']),
      exchange(p.shield.url, [get('/v/slow.ts')]),
    ]);
    expect(quiet.length).toBe(0);
    const [r] = parseResponses(slow);
    expect([r?.status, r?.body]).toEqual([200, 'slow-bytes']);
    // Closed for idleness only after the 900 ms response, not at 300 ms into it.
    expect(Date.now() - started).toBeGreaterThanOrEqual(900);
  });

  it('gives the same responses however a pipelined stream is cut into packets (seeded)', async () => {
    const p = await pair();
    await send(p.shield.url, '/v/a.ts');
    const purge = JSON.stringify({ url: '/v/b.ts' });
    const stream = Buffer.from(
      get('/v/a.ts') +
        get('/v/b.ts') +
        `HEAD /v/a.ts HTTP/1.1\r\nHost: s\r\n\r\n` +
        `POST /purge HTTP/1.1\r\nHost: s\r\nContent-Length: ${purge.length}\r\n\r\n${purge}` +
        get('/v/a.ts', 'Origin: https://player.example\r\n') +
        get('/v/nope.ts') +
        last('/v/b.ts'),
    );
    const summary = (raw: Buffer) =>
      parseResponses(raw, [false, false, true]).map((r) => [r.status, r.headers['x-cache'], r.body.length]);
    const random = createRandom(20261126);
    for (let round = 0; round < 12; round++) {
      const parts: Buffer[] = [];
      for (let at = 0; at < stream.length; ) {
        const size = 1 + Math.floor(random() * 40);
        parts.push(stream.subarray(at, at + size));
        at += size;
      }
      const rs = summary(await exchange(p.shield.url, parts, round % 3 === 0 ? 1 : 0));
      // b is purged in the middle of the stream, so its second request is a MISS again.
      expect(rs, `round ${round}`).toEqual([
        [200, 'HIT', 9],
        [200, round === 0 ? 'MISS' : 'HIT', 9],
        [200, 'HIT', 0],
        [200, undefined, rs[3]?.[2]],
        [200, 'HIT', 9],
        [404, round === 0 ? 'MISS' : 'HIT', rs[5]?.[2]], // negative caching
        [200, 'MISS', 9],
      ]);
    }
  });

  it.each(['on', 'off'])(
    'answers a client that half-closes right after its request (fast lane %s)',
    async (lane) => {
      const p = await pair({ SHIELD_FAST_LANE: lane });
      p.upstream.route('/v/late.ts', { body: 'late-bytes', headers: IMMUTABLE, delayMs: 200 });
      await send(p.shield.url, '/v/a.ts');
      const { port } = new URL(p.shield.url);
      const halfClosed = (request: string) =>
        new Promise<Buffer>((resolve, reject) => {
          const chunks: Buffer[] = [];
          const socket = connect(Number(port), '127.0.0.1', () => socket.end(request));
          socket.on('data', (c: Buffer) => chunks.push(c));
          socket.on('error', reject);
          socket.on('close', () => resolve(Buffer.concat(chunks)));
        });
      const [hit, miss] = await Promise.all([halfClosed(get('/v/a.ts')), halfClosed(get('/v/late.ts'))]);
      expect(parseResponses(hit).map((r) => [r.status, r.headers['x-cache'], r.body])).toEqual([
        [200, 'HIT', 'segment-a'],
      ]);
      expect(parseResponses(miss).map((r) => [r.status, r.headers['x-cache'], r.body])).toEqual([
        [200, 'MISS', 'late-bytes'],
      ]);
    },
  );
});
