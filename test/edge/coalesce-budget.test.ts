/**
 * The edge's in-flight byte budget (CACHE_INFLIGHT_BYTES, src/edge/coalesce.ts): single-flights of
 * one isolate retain at most that many bytes for late joiners. A flight that does not fit stops being
 * joinable, its attached waiters still get every byte, and later requests fetch on their own. The
 * Worker runs in workerd (Miniflare) against a gated fake shield: each object's first bytes go out,
 * the rest waits for the test, so "in flight at the same time" is a fact here, not a timing guess.
 * The last test drives createCoalescer directly (Node streams) to read the budget's own counters.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Response } from 'miniflare';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createByteBudget } from '../../src/core/cache/byte-budget.ts';
import { createCoalescer } from '../../src/edge/coalesce.ts';
import { parseEdgeConfig } from '../../src/edge/config.ts';
import { type EdgeWorker, logsWhen, startEdgeWorker } from './edge-worker.ts';

const IMMUTABLE = 'public, max-age=31536000, immutable';
const KIB = 1024;
const BUDGET = 1024 * KIB;
const FIRST_BYTES = 16 * KIB;

interface GatedRoute {
  readonly body: Uint8Array;
  /** Send Content-Length (the shield does when its packager did); else chunked. */
  readonly declareLength: boolean;
  /** Destroy the socket instead of sending the rest. */
  readonly truncate?: boolean;
  /** Holds the rest until it resolves; the shared gate (`release()`) when absent. */
  readonly gate?: Promise<void>;
}

interface GatedShield {
  readonly url: string;
  route(path: string, route: GatedRoute): void;
  count(path: string): number;
  /** Sends the rest of every body held so far and of every later one. */
  release(): void;
  close(): Promise<void>;
}

/** Deterministic bytes per object, so a body from another object or a shifted one cannot pass. */
function bytesFor(seed: number, size: number): Uint8Array {
  const out = new Uint8Array(size);
  for (let i = 0; i < size; i++) out[i] = (i * 31 + seed * 7 + (i >> 10)) & 0xff;
  return out;
}

async function startGatedShield(): Promise<GatedShield> {
  const routes = new Map<string, GatedRoute>();
  const counts = new Map<string, number>();
  let release: () => void = () => undefined;
  const released = new Promise<void>((resolve) => {
    release = resolve;
  });
  const server: Server = createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0] ?? '/';
    counts.set(path, (counts.get(path) ?? 0) + 1);
    const route = routes.get(path);
    if (!route) {
      res.writeHead(404).end();
      return;
    }
    res.writeHead(200, {
      'content-type': 'video/mp2t',
      'cache-control': IMMUTABLE,
      ...(route.declareLength ? { 'content-length': String(route.body.byteLength) } : {}),
    });
    res.write(route.body.subarray(0, FIRST_BYTES));
    void (route.gate ?? released).then(() => {
      if (route.truncate) res.destroy();
      else res.end(route.body.subarray(FIRST_BYTES));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    route: (path, route) => routes.set(path, route),
    count: (path) => counts.get(path) ?? 0,
    release: () => release(),
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

interface RefusalLine {
  readonly key: string;
  readonly wantedBytes: number;
  readonly inflightBytes: number;
  readonly limitBytes: number;
}

/** The `event` log lines parsed, once at least `atLeast` have arrived (or the poll gave up). */
async function logEvents<T>(edge: EdgeWorker, event: string, atLeast: number): Promise<T[]> {
  const of = (messages: readonly string[]) => messages.filter((m) => m.includes(`"event":"${event}"`));
  const lines = of(await logsWhen(edge, (ms) => of(ms).length >= atLeast));
  return lines.map((m) => JSON.parse(m.slice(m.indexOf('{'))) as T);
}

/** A response being read: its first bytes are in, the rest is read on demand from the same reader. */
interface Reading {
  readonly response: Response;
  rest(): Promise<Uint8Array>;
}

/**
 * Resolves once the edge has sent this response's first body bytes (the flight is under way). The
 * body keeps being read by the same reader: a viewer that hangs up is another behaviour.
 */
async function started(response: Response): Promise<Reading> {
  const reader = (response.body as unknown as ReadableStream<Uint8Array>).getReader();
  const first = await reader.read();
  expect(first.done).toBe(false);
  const parts: Uint8Array[] = first.value ? [first.value] : [];
  return {
    response,
    async rest() {
      for (;;) {
        const next = await reader.read();
        if (next.done) return new Uint8Array(Buffer.concat(parts));
        parts.push(next.value);
      }
    },
  };
}

async function bytesOf(response: Response): Promise<Uint8Array> {
  return new Uint8Array(await response.arrayBuffer());
}

function same(a: Uint8Array, b: Uint8Array | undefined): boolean {
  return b !== undefined && Buffer.from(a).equals(Buffer.from(b));
}

describe('in-flight byte budget (CACHE_INFLIGHT_BYTES)', () => {
  let shield: GatedShield;
  let edge: EdgeWorker;

  // A fresh shield and isolate per test: the budget and the gate are per isolate / per server.
  const setUp = async (): Promise<void> => {
    shield = await startGatedShield();
    edge = await startEdgeWorker({
      AUTH_MODE: 'off',
      SHIELD_URLS: shield.url,
      CACHE_INFLIGHT_BYTES: String(BUDGET),
    });
  };
  const tearDown = async (): Promise<void> => {
    shield.release();
    await edge.dispose();
    await shield.close();
  };

  describe('twenty distinct 256 KiB misses in flight at once', () => {
    const paths = Array.from({ length: 20 }, (_, i) => `/vod/burst/seg_${i}.ts`);
    const bodies = paths.map((_, i) => bytesFor(i, 256 * KIB));
    let readings: Reading[] = [];

    beforeAll(async () => {
      await setUp();
      for (const [i, path] of paths.entries()) {
        const body = bodies[i] ?? new Uint8Array();
        shield.route(path, { body, declareLength: true });
      }
      readings = await Promise.all(paths.map(async (p) => started(await edge.fetch(p))));
    });
    afterAll(tearDown);

    it('retains no more than the budget: 4 flights fit 1 MiB, the other 16 are refused', async () => {
      const refusals = await logEvents<RefusalLine>(edge, 'edge-inflight-refused', 16);
      expect(refusals).toHaveLength(16);
      for (const r of refusals) {
        expect(r.limitBytes).toBe(BUDGET);
        expect(r.inflightBytes).toBeLessThanOrEqual(BUDGET);
        expect(r.inflightBytes + r.wantedBytes).toBeGreaterThan(BUDGET);
      }
    });

    it('starts a new fetch for a request arriving after its key was refused, and still joins retained ones', async () => {
      const refusedKeys = new Set(
        (await logEvents<RefusalLine>(edge, 'edge-inflight-refused', 16)).map((r) => r.key),
      );
      const refused = paths.find((p) => refusedKeys.has(`https://edge.test${p}`));
      const retained = paths.find((p) => !refusedKeys.has(`https://edge.test${p}`));
      if (refused === undefined || retained === undefined) throw new Error('expected both kinds');
      const [late, joiner] = await Promise.all([
        edge.fetch(refused).then(started),
        edge.fetch(retained).then(started),
      ]);
      expect(shield.count(refused)).toBe(2);
      expect(late.response.headers.get('x-cache')).toBe('MISS');
      expect(shield.count(retained)).toBe(1);
      expect(joiner.response.headers.get('x-cache')).toBe('COALESCED');
      shield.release();
      expect(same(await late.rest(), bodies[paths.indexOf(refused)])).toBe(true);
      expect(same(await joiner.rest(), bodies[paths.indexOf(retained)])).toBe(true);
    });

    it('delivers every one of the twenty bodies complete and byte-exact', async () => {
      shield.release();
      const got = await Promise.all(readings.map((r) => r.rest()));
      for (const [i, body] of got.entries()) expect(same(body, bodies[i]), paths[i]).toBe(true);
    });

    it('does not store a refused flight: the next request fetches it again, complete', async () => {
      const refusedKeys = (await logEvents<RefusalLine>(edge, 'edge-inflight-refused', 16)).map((r) => r.key);
      const path = new URL(refusedKeys[0] ?? 'https://edge.test/none').pathname;
      const before = shield.count(path);
      const again = await edge.fetch(path);
      expect(same(await bytesOf(again), bodies[paths.indexOf(path)])).toBe(true);
      expect(again.headers.get('x-cache')).toBe('MISS');
      expect(shield.count(path)).toBe(before + 1);
    });
  });

  describe('one object larger than the budget', () => {
    beforeAll(setUp);
    afterAll(tearDown);

    it('gives waiters attached before the refusal the complete body from one shield request', async () => {
      // Chunked (no declared length): the flight is retained and joinable until its bytes outgrow
      // the budget, so the joiners below really are attached when it is refused mid-body.
      const path = '/vod/big/seg_0.ts';
      const body = bytesFor(99, 2 * BUDGET);
      shield.route(path, { body, declareLength: false });
      const leader = await started(await edge.fetch(path));
      const joiners = await Promise.all([edge.fetch(path), edge.fetch(path)]);
      expect(joiners.map((r) => r.headers.get('x-cache'))).toEqual(['COALESCED', 'COALESCED']);
      shield.release();
      const got = await Promise.all([leader.rest(), ...joiners.map(bytesOf)]);
      for (const bytes of got) expect(same(bytes, body)).toBe(true);
      expect(shield.count(path)).toBe(1);
      expect((await logEvents<RefusalLine>(edge, 'edge-inflight-refused', 1)).map((r) => r.key)).toEqual([
        `https://edge.test${path}`,
      ]);
    });
  });

  describe('after failed flights', () => {
    beforeAll(setUp);
    afterAll(tearDown);

    it('has the whole budget back: a budget-sized object is retained and joined again', async () => {
      // Four retained flights fill the budget and two refused ones stream; all six lose their shield
      // connection midway. Any byte not returned would make the probe below too big to retain.
      const failing = Array.from({ length: 6 }, (_, i) => `/vod/fail/seg_${i}.ts`);
      for (const [i, path] of failing.entries()) {
        shield.route(path, { body: bytesFor(i, 256 * KIB), declareLength: true, truncate: true });
      }
      const doomed = await Promise.all(failing.map(async (p) => started(await edge.fetch(p))));
      expect(await logEvents<RefusalLine>(edge, 'edge-inflight-refused', 2)).toHaveLength(2);
      shield.release();
      const outcomes = await Promise.all(
        doomed.map((r) =>
          r.rest().then(
            (b) => b.byteLength,
            () => -1,
          ),
        ),
      );
      expect(outcomes.every((n) => n < 256 * KIB)).toBe(true);

      const probe = '/vod/after/seg_0.ts';
      const probeBody = bytesFor(7, BUDGET);
      let open: () => void = () => undefined;
      const gate = new Promise<void>((resolve) => {
        open = resolve;
      });
      shield.route(probe, { body: probeBody, declareLength: true, gate });
      // The failed flights settle right after their viewers saw the error; give the isolate a turn.
      await new Promise((resolve) => setTimeout(resolve, 100));
      const leader = await started(await edge.fetch(probe));
      const joiner = await edge.fetch(probe);
      expect(joiner.headers.get('x-cache')).toBe('COALESCED');
      expect(shield.count(probe)).toBe(1);
      expect(await logEvents<RefusalLine>(edge, 'edge-inflight-refused', 2)).toHaveLength(2);
      open();
      const got = await Promise.all([leader.rest(), bytesOf(joiner)]);
      for (const bytes of got) expect(same(bytes, probeBody)).toBe(true);
    });

    it('leaves nothing in the cache for refused flights that failed midway', async () => {
      const caches = await edge.mf.getCaches();
      const refusedKeys = (await logEvents<RefusalLine>(edge, 'edge-inflight-refused', 2)).map((r) => r.key);
      expect(refusedKeys).toHaveLength(2);
      for (const key of refusedKeys) {
        const hit = await caches.default.match(key);
        await hit?.arrayBuffer();
        expect(hit, key).toBeUndefined();
      }
    });
  });
});

describe('createCoalescer budget accounting', () => {
  /** A response whose body the test feeds and fails by hand. */
  function manualResponse(declared?: number) {
    let controller: ReadableStreamDefaultController<Uint8Array> | undefined;
    const body = new ReadableStream<Uint8Array>({
      start(c) {
        controller = c;
      },
    });
    const headers = new Headers(declared === undefined ? {} : { 'content-length': String(declared) });
    return {
      response: new globalThis.Response(body, { headers }),
      push: (n: number) => controller?.enqueue(new Uint8Array(n)),
      end: () => controller?.close(),
      fail: () => controller?.error(new Error('shield connection reset')),
    };
  }
  const stored: string[] = [];
  const storeAs = (key: string) => async (): Promise<void> => {
    stored.push(key);
  };

  it('returns every byte when flights complete, fail, or lose every viewer, never going over the limit', async () => {
    const budget = createByteBudget(150);
    const coalescer = createCoalescer({ budget });
    const done = manualResponse(60);
    const failed = manualResponse();
    const abandoned = manualResponse();
    const a = coalescer.join('a', async () => done.response, storeAs('a'));
    const b = coalescer.join('b', async () => failed.response, storeAs('b'));
    const c = coalescer.join('c', async () => abandoned.response, storeAs('c'));
    await Promise.all([a.flight.head, b.flight.head, c.flight.head]);
    const readers = [a, b, c].map((j) => j.flight.stream().getReader());
    failed.push(30);
    abandoned.push(30);
    await new Promise((resolve) => setTimeout(resolve, 10));
    expect(budget.used).toBe(120);
    abandoned.push(40); // 120 + 40 > 150: refused, gives its 30 back and stops retaining
    await new Promise((resolve) => setTimeout(resolve, 10));
    expect(budget.used).toBe(90);
    expect(coalescer.has('c')).toBe(false);
    await readers[2]?.cancel();
    failed.fail();
    done.push(60);
    done.end();
    const outcomes = await Promise.allSettled([a.settled, b.settled, c.settled]);
    expect(outcomes.map((o) => o.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
    expect(budget.used).toBe(0);
    expect(budget.peak).toBe(120);
    expect(budget.refused).toBe(1);
    expect(coalescer.size).toBe(0);
    // Only the flight that kept its whole body is handed to the store.
    expect(stored).toEqual(['a']);
  });
});

describe('CACHE_INFLIGHT_BYTES', () => {
  it('defaults to 48 MiB, well under the 128 MB isolate limit', () => {
    const r = parseEdgeConfig({ AUTH_MODE: 'off' });
    expect(r.ok && r.value.inflightBytes).toBe(48 * 2 ** 20);
  });

  it('refuses a value that is not a byte count up to the isolate limit, naming the key', () => {
    for (const bad of ['lots', '-1', '1.5', String(256 * 2 ** 20)]) {
      const r = parseEdgeConfig({ AUTH_MODE: 'off', CACHE_INFLIGHT_BYTES: bad });
      expect(r.ok ? [] : r.error.map((i) => i.key)).toEqual(['CACHE_INFLIGHT_BYTES']);
    }
  });
});
