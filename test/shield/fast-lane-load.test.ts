/**
 * The fast lane under concurrent mixed traffic (seeded, bounded: 180 connections × 30 pipelined
 * requests): hits, coalesced misses, HEAD, a 300 KB body, a 404, random packet splits and slow
 * readers. Every response must arrive complete, in order, with the right status and bytes, and the
 * packager must still see each object once.
 */
import { connect } from 'node:net';
import { afterEach, expect, it } from 'vitest';
import { createRandom, type Random } from '../../bench/lib/prng.ts';
import { IMMUTABLE, type Pair, startPair } from './helpers.ts';

const pairs: Pair[] = [];
afterEach(async () => {
  for (const p of pairs.splice(0)) await p.close();
});

const BIG = Buffer.alloc(300_000, 9);
const small = (i: number) => Buffer.from(`seg-${i}`.repeat(50));

interface Planned {
  readonly path: string;
  readonly head: boolean;
}

/** What the body of a GET for `path` must be; `undefined` for the 404. */
const expected = (path: string): Buffer | undefined =>
  path === '/s/big.ts' ? BIG : path === '/s/missing.ts' ? undefined : small(Number(/\d+/.exec(path)?.[0]));

/** Checks raw responses against the plan; returns a description of the first problem, or ''. */
function check(raw: Buffer, plan: readonly Planned[]): string {
  let at = 0;
  for (const [i, req] of plan.entries()) {
    const end = raw.indexOf('\r\n\r\n', at);
    if (end === -1) return `response ${i} (${req.path}) missing`;
    const head = raw.toString('latin1', at, end);
    const want = expected(req.path);
    const status = Number(head.split(' ')[1]);
    if (status !== (want === undefined ? 404 : 200)) return `response ${i} (${req.path}): status ${status}`;
    at = end + 4;
    if (req.head) continue;
    if (/transfer-encoding: chunked/i.test(head)) {
      for (;;) {
        const sizeEnd = raw.indexOf('\r\n', at);
        const size = Number.parseInt(raw.toString('latin1', at, sizeEnd), 16);
        at = sizeEnd + 2 + size + 2;
        if (size === 0) break;
      }
      continue;
    }
    const length = Number(/content-length: (\d+)/i.exec(head)?.[1] ?? '-1');
    const body = raw.subarray(at, at + length);
    if (want !== undefined && !body.equals(want)) return `response ${i} (${req.path}): body differs`;
    at += length;
  }
  return at === raw.length ? '' : `${raw.length - at} bytes after the last response`;
}

/** One connection: 30 pipelined requests written in random pieces; the last one closes. */
function connection(port: number, random: Random, slowReader: boolean): Promise<string> {
  const plan: Planned[] = [];
  let text = '';
  for (let i = 0; i < 30; i++) {
    const r = random();
    const path = r < 0.1 ? '/s/big.ts' : r < 0.15 ? '/s/missing.ts' : `/s/${Math.floor(random() * 20)}.ts`;
    const head = random() < 0.1;
    plan.push({ path, head });
    const close = i === 29 ? 'Connection: close\r\n' : '';
    text += `${head ? 'HEAD' : 'GET'} ${path} HTTP/1.1\r\nHost: s\r\n${close}\r\n`;
  }
  const bytes = Buffer.from(text);
  const pieces: Buffer[] = [];
  for (let at = 0; at < bytes.length; ) {
    const size = 1 + Math.floor(random() * 300);
    pieces.push(bytes.subarray(at, at + size));
    at += size;
  }
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1');
    const chunks: Buffer[] = [];
    socket.on('data', (c: Buffer) => {
      chunks.push(c);
      if (slowReader) {
        socket.pause();
        setTimeout(() => socket.resume(), 5);
      }
    });
    socket.on('error', reject);
    socket.on('close', () => resolve(check(Buffer.concat(chunks), plan)));
    socket.on('connect', async () => {
      for (const [i, piece] of pieces.entries()) {
        socket.write(piece);
        if (i % 5 === 4) await new Promise((r) => setTimeout(r, 1));
      }
    });
  });
}

it('answers mixed pipelined traffic on 180 connections completely and in order', async () => {
  const p = await startPair();
  pairs.push(p);
  for (let i = 0; i < 20; i++)
    p.upstream.route(`/s/${i}.ts`, { body: small(i), headers: IMMUTABLE, delayMs: i % 3 === 0 ? 30 : 0 });
  p.upstream.route('/s/big.ts', { body: BIG, headers: IMMUTABLE });
  const port = Number(new URL(p.shield.url).port);
  const random = createRandom(20261126);
  for (let round = 0; round < 3; round++) {
    const problems = await Promise.all(
      Array.from({ length: 60 }, (_, i) => connection(port, random, i % 5 === 0)),
    );
    expect(problems.filter((x) => x !== '')).toEqual([]);
  }
  for (let i = 0; i < 20; i++) expect(p.upstream.count(`/s/${i}.ts`)).toBe(1);
  expect(p.upstream.count('/s/big.ts')).toBe(1);
  const metrics = await (await fetch(`${p.shield.url}/metrics`)).text();
  // Every connection's last request (Connection: close) went to Node; the rest mostly stayed on the lane.
  expect(metrics).toMatch(/^shield_fast_lane_handovers_total 180$/m);
  expect(Number(/^shield_fast_lane_hits_total (\d+)$/m.exec(metrics)?.[1])).toBeGreaterThan(4000);
}, 60_000);
