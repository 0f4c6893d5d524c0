/**
 * SHIELD_WORKERS > 1 (issue 12): the real process with two node:cluster workers behind one port, a
 * counting fake packager, many clients each on its own connection (the primary hands connections to
 * the workers in turn, so they land on both). What must hold for the host as a whole: one packager
 * request per object, SHIELD_CACHE_BYTES bounds the host, purge and /metrics see every worker, the
 * egress log gets one whole line per response, a killed worker is replaced, SIGTERM drains all.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { EgressRecord } from '../../src/core/ledger/record.ts';
import { type CountingUpstream, startCountingUpstream } from '../fixtures/counting-upstream.ts';
import { IMMUTABLE, send } from './helpers.ts';
import { killAll, runShield, type ShieldProcess, startShieldProcess, waitFor } from './process.ts';

const SECRET = 'edge-secret';
const AUTH = { 'x-edgeshield-auth': SECRET };
const MiB = 1024 * 1024;

function bytes(n: number, seed: number): Buffer {
  const b = Buffer.alloc(n);
  for (let i = 0; i < n; i++) b[i] = (i * 31 + seed) & 0xff;
  return b;
}

/** Sum of every sample of `name` (any labels) in a Prometheus text exposition. */
function metric(text: string, name: string): number {
  let sum = 0;
  for (const line of text.split('\n')) {
    if (line.startsWith(`${name} `) || line.startsWith(`${name}{`)) sum += Number(line.split(' ').pop());
  }
  return sum;
}

const get = (url: string, path: string) => send(url, path, { headers: AUTH });
const scrape = async (url: string) => (await get(url, '/metrics')).body.toString('utf8');
/** `n` requests at once, each on its own connection. */
const storm = (url: string, path: string, n: number) =>
  Promise.all(Array.from({ length: n }, () => get(url, path)));

async function startHost(upstream: CountingUpstream, env: Record<string, string> = {}) {
  return startShieldProcess({
    SHIELD_PORT: '0',
    SHIELD_WORKERS: '2',
    SHIELD_UPSTREAMS: upstream.url,
    SHIELD_SHARED_SECRET: SECRET,
    SHIELD_LOG_LEVEL: 'info',
    ...env,
  });
}

describe('a two-worker host', () => {
  let upstream: CountingUpstream;
  let host: ShieldProcess & { url: string };
  let dir: string;
  let egressFile: string;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'shield-cluster-'));
    egressFile = join(dir, 'egress.ndjson');
    upstream = await startCountingUpstream();
    host = await startHost(upstream, {
      SHIELD_CACHE_BYTES: String(4 * MiB),
      // Each worker's 2 MiB share must hold the largest object (parseShieldConfig refuses less).
      SHIELD_MAX_OBJECT_BYTES: String(2 * MiB),
      SHIELD_EGRESS_LOG: egressFile,
    });
  }, 60_000);

  afterAll(async () => {
    killAll();
    await upstream.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('asks the packager once for an object 100 clients on separate connections want at once', async () => {
    const body = bytes(MiB, 1);
    upstream.route('/storm/seg.ts', { body, headers: IMMUTABLE, delayMs: 300 });
    const responses = await storm(host.url, '/storm/seg.ts', 100);
    expect(upstream.count('/storm/seg.ts')).toBe(1);
    expect(responses.every((r) => r.status === 200 && r.body.equals(body))).toBe(true);
    // One request made the packager fetch; every other one says how it was spared it.
    const statuses = responses.map((r) => r.header('x-cache'));
    expect(statuses.filter((s) => s === 'MISS')).toHaveLength(1);
    expect(statuses.every((s) => s === 'MISS' || s === 'COALESCED' || s === 'HIT')).toBe(true);
    // Both workers answered viewers: the one that does not own the key asked its sibling.
    expect(metric(await scrape(host.url), 'shield_peer_requests_total')).toBeGreaterThan(0);
  });

  it('sends the packager no credential of the edge or of the peer hop', async () => {
    upstream.route('/creds/seg.ts', { body: bytes(100_000, 7), headers: IMMUTABLE, delayMs: 100 });
    await storm(host.url, '/creds/seg.ts?token=viewer-jwt', 20);
    const seen = upstream.requests.filter((r) => r.url.startsWith('/creds/'));
    expect(seen.map((r) => r.url)).toEqual(['/creds/seg.ts']);
    expect(Object.keys(seen[0]?.headers ?? {}).filter((h) => h.startsWith('x-edgeshield'))).toEqual([]);
  });

  it('refuses peer-listener requests without the host peer secret, the edge secret included', async () => {
    const peerUrls = host.logs('worker listening').map((l) => String(l.peerUrl));
    expect(peerUrls).toHaveLength(2);
    for (const peerUrl of peerUrls) {
      expect((await get(peerUrl, '/hot/seg.ts')).status).toBe(401);
      expect((await send(peerUrl, '/hot/seg.ts', { headers: { 'x-edgeshield-peer': SECRET } })).status).toBe(
        401,
      );
    }
  });

  it('answers later requests on every worker as HITs without asking the packager again', async () => {
    upstream.route('/hot/seg.ts', { body: bytes(50_000, 2), headers: IMMUTABLE });
    expect((await get(host.url, '/hot/seg.ts')).header('x-cache')).toBe('MISS');
    const later = [];
    for (let i = 0; i < 10; i++) later.push(await get(host.url, '/hot/seg.ts'));
    expect(later.map((r) => r.header('x-cache'))).toEqual(Array(10).fill('HIT'));
    expect(upstream.count('/hot/seg.ts')).toBe(1);
  });

  it('serves repeat hits of a 1 MB object on the worker that does not own it from its local copy, with no further peer requests', async () => {
    const body = bytes(MiB, 5);
    upstream.route('/copy/seg.ts', { body, headers: IMMUTABLE, delayMs: 100 });
    // Twenty connections at once: both workers get some, the one that does not own the key asks its sibling.
    await storm(host.url, '/copy/seg.ts', 20);
    const peerBefore = metric(await scrape(host.url), 'shield_peer_requests_total');
    const later = [];
    for (let i = 0; i < 20; i++) later.push(await get(host.url, '/copy/seg.ts'));
    expect(later.map((r) => r.header('x-cache'))).toEqual(Array(20).fill('HIT'));
    expect(later.every((r) => r.body.equals(body))).toBe(true);
    expect(metric(await scrape(host.url), 'shield_peer_requests_total')).toBe(peerBefore);
    expect(upstream.count('/copy/seg.ts')).toBe(1);
    // Both workers hold the object: the owner's copy and the other worker's local one.
    const purged = await send(host.url, '/purge?url=/copy/seg.ts', { method: 'POST', headers: AUTH });
    expect(purged.json()).toEqual({ purged: 2, fills: 0 });
  });

  it('keeps the cache of the whole host within SHIELD_CACHE_BYTES', async () => {
    for (let i = 0; i < 30; i++) {
      upstream.route(`/fill/${i}.ts`, { body: bytes(200_000, i), headers: IMMUTABLE });
      await get(host.url, `/fill/${i}.ts`);
      await get(host.url, `/fill/${i}.ts`);
    }
    const text = await scrape(host.url);
    expect(metric(text, 'shield_cache_bytes')).toBeLessThanOrEqual(4 * MiB);
    expect(metric(text, 'shield_cache_bytes')).toBeGreaterThan(2 * MiB);
    expect(metric(text, 'shield_cache_evictions_total')).toBeGreaterThan(0);
  });

  it('purges by URL and by prefix on every worker', async () => {
    const version = (v: string) =>
      upstream.route('/purge/seg.ts', { body: v.repeat(1000), headers: IMMUTABLE });
    version('1');
    // Twenty connections: both workers get some (SO_REUSEPORT hashes each connection).
    for (let i = 0; i < 20; i++) await get(host.url, '/purge/seg.ts');
    /** Purges `query`, then reads the object twenty times, each on its own connection: which versions came back. */
    const purgeThenRead = async (query: string, next: string) => {
      version(next);
      const answer = await send(host.url, `/purge?${query}`, { method: 'POST', headers: AUTH });
      const seen = [];
      for (let i = 0; i < 20; i++) seen.push((await get(host.url, '/purge/seg.ts')).body.toString()[0]);
      return { answer: answer.json(), seen };
    };
    // Two copies each time: the owner's and the other worker's local copy.
    expect(await purgeThenRead('url=/purge/seg.ts', '2')).toEqual({
      answer: { purged: 2, fills: 0 },
      seen: Array(20).fill('2'),
    });
    expect(await purgeThenRead('prefix=/purge/', '3')).toEqual({
      answer: { purged: 2, fills: 0 },
      seen: Array(20).fill('3'),
    });
  });

  it('serves /metrics summed over every worker, each viewer request counted once', async () => {
    upstream.route('/count/seg.ts', { body: bytes(10_000, 3), headers: IMMUTABLE });
    const before = await scrape(host.url);
    for (let i = 0; i < 10; i++) await get(host.url, '/count/seg.ts');
    const after = await scrape(host.url);
    const delta = (name: string) => metric(after, name) - metric(before, name);
    expect(delta('shield_cache_misses_total')).toBe(1);
    expect(delta('shield_cache_hits_total')).toBe(9);
    expect(metric(after, 'shield_workers')).toBe(2);
    expect(delta('shield_upstream_bytes_total')).toBe(10_000);
  });

  it('writes one whole egress line per response from every worker, packager bytes counted once', async () => {
    const size = 300_000;
    upstream.route('/egress/seg.ts', { body: bytes(size, 4), headers: IMMUTABLE, delayMs: 200 });
    await storm(host.url, '/egress/seg.ts', 40);
    const records = () =>
      readFileSync(egressFile, 'utf8')
        .split('\n')
        .filter((l) => l !== '')
        .map((l) => JSON.parse(l) as EgressRecord);
    const mine = () => records().filter((r) => r.path === '/egress/seg.ts');
    // Both tiers: workers send their lines to the primary in batches, the origin record from the owner.
    await waitFor(() => {
      const now = mine();
      return now.filter((r) => r.tier === 'shield').length >= 40 && now.some((r) => r.tier === 'origin');
    }, 15_000);
    expect(readFileSync(egressFile, 'utf8').endsWith('\n')).toBe(true);
    const shield = mine().filter((r) => r.tier === 'shield');
    const origin = mine().filter((r) => r.tier === 'origin');
    expect(shield).toHaveLength(40);
    expect(shield.every((r) => r.bytes === size && r.status === 200)).toBe(true);
    expect(shield.reduce((n, r) => n + r.originBytes, 0)).toBe(size);
    expect(origin.map((r) => r.bytes)).toEqual([size]);
  });
});

describe('worker lifecycle', () => {
  let upstream: CountingUpstream;
  afterEach(async () => {
    killAll();
    await upstream.close();
  });

  it('replaces a worker killed with SIGKILL and keeps serving meanwhile', async () => {
    upstream = await startCountingUpstream();
    const host = await startHost(upstream);
    upstream.route('/a.ts', { body: bytes(20_000, 5), headers: IMMUTABLE });
    await get(host.url, '/a.ts');
    const victim = host.logs('worker listening')[0];
    const pid = Number(victim?.pid);
    process.kill(pid, 'SIGKILL');
    // Once the primary saw it die, the survivors serve (its slot's keys from the packager meanwhile).
    await waitFor(() => host.logs('worker exited, replacing it').length === 1, 10_000);
    const during = await storm(host.url, '/a.ts', 20);
    expect(during.every((r) => r.status === 200)).toBe(true);
    await waitFor(
      () => host.logs('worker listening').some((l) => l.slot === victim?.slot && l.pid !== pid),
      20_000,
    );
    const text = await scrape(host.url);
    expect(metric(text, 'shield_workers')).toBe(2);
    expect(metric(text, 'shield_worker_restarts_total')).toBe(1);
    // With the slot filled again, a new object is fetched once for the whole host.
    upstream.route('/b.ts', { body: bytes(500_000, 6), headers: IMMUTABLE, delayMs: 200 });
    const after = await storm(host.url, '/b.ts', 30);
    expect(after.every((r) => r.status === 200 && r.body.length === 500_000)).toBe(true);
    expect(upstream.count('/b.ts')).toBe(1);
  }, 60_000);

  it('answers 503 SHIELD_ERR_PURGE_INCOMPLETE to a purge a killed worker missed, and 200 once its replacement is ready', async () => {
    upstream = await startCountingUpstream();
    const host = await startHost(upstream);
    const victim = host.logs('worker listening')[0];
    const pid = Number(victim?.pid);
    process.kill(pid, 'SIGKILL');
    // Once it is gone (a connection the kernel still handed to the dying process would be reset),
    // while its replacement is not ready yet.
    await waitFor(() => host.logs('worker exited, replacing it').length === 1, 10_000);
    const missed = await send(host.url, '/purge?url=/gone.ts', { method: 'POST', headers: AUTH });
    expect(missed.status).toBe(503);
    expect(missed.header('retry-after')).toBe('1');
    expect(missed.json()).toEqual({
      code: 'SHIELD_ERR_PURGE_INCOMPLETE',
      message: 'purge applied by 1 of 2 workers (0 objects removed); retry',
    });
    await waitFor(
      () => host.logs('worker listening').some((l) => l.slot === victim?.slot && l.pid !== pid),
      20_000,
    );
    const retried = await send(host.url, '/purge?url=/gone.ts', { method: 'POST', headers: AUTH });
    expect(retried.status).toBe(200);
    expect(retried.json()).toEqual({ purged: 0, fills: 0 });
  }, 60_000);

  it('survives a SIGHUP sent while its workers are still starting, and goes on to serve /healthz', async () => {
    upstream = await startCountingUpstream();
    const host = runShield({
      SHIELD_PORT: '0',
      SHIELD_WORKERS: '2',
      SHIELD_UPSTREAMS: upstream.url,
      SHIELD_SHARED_SECRET: SECRET,
      SHIELD_LOG_LEVEL: 'info',
    });
    // Slot 0 listens first; slot 1 is forked only then, so it is starting when the SIGHUP lands.
    await waitFor(() => host.logs('worker listening').length === 1, 30_000);
    host.child.kill('SIGHUP');
    await waitFor(() => host.logs('listening').length > 0 || host.child.exitCode !== null, 30_000);
    expect(host.child.exitCode).toBe(null);
    expect(host.logs('worker exited, replacing it')).toEqual([]);
    const url = String(host.logs('listening')[0]?.url);
    expect((await send(url, '/healthz')).status).toBe(200);
  }, 60_000);

  it('drains every worker on SIGTERM, finishing the response in flight, and exits 0', async () => {
    upstream = await startCountingUpstream();
    const host = await startHost(upstream);
    const chunks = Array.from({ length: 5 }, (_, i) => bytes(10_000, i));
    upstream.route('/slow.ts', { body: chunks, chunkDelayMs: 200, headers: IMMUTABLE });
    const pids = host.logs('worker listening').map((l) => Number(l.pid));
    const inFlight = get(host.url, '/slow.ts');
    await waitFor(() => upstream.count('/slow.ts') === 1, 10_000);
    host.child.kill('SIGTERM');
    const response = await inFlight;
    expect(response.body.equals(Buffer.concat(chunks))).toBe(true);
    expect(await host.exited).toBe(0);
    expect(host.output()).toContain('"msg":"stopped"');
    const alive = pids.filter((pid) => {
      try {
        process.kill(pid, 0);
        return true;
      } catch {
        return false;
      }
    });
    expect(alive).toEqual([]);
  }, 60_000);
});
