/**
 * Fault injection with the tiers as separate processes (tiers.ts): the packager SIGSTOPped mid-transfer
 * and resumed; the packager SIGKILLed mid-transfer while shield and edge keep running (then restarted);
 * the shield SIGKILLed mid-fill and restarted on its disk tier. A throttling TCP link between shield and
 * packager keeps each transfer in flight long enough to be hit. Afterwards every object is read again
 * through the edge (workerd via Miniflare) and from the shield: any complete 200 whose SHA-256 differs
 * from the file's is a truncated (or otherwise wrong) object served from a cache. Errors and aborted
 * responses are allowed; a wrong complete body is not.
 */
import { createHash, randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { connect, createServer, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type EdgeWorker, startEdgeWorker } from '../edge/edge-worker.ts';
import type { Row } from './report.ts';
import { startPackagerTier, startShieldTier, type Tier } from './tiers.ts';

export interface FaultOptions {
  readonly objectBytes: number;
  /** Throughput of the shield ↔ packager link, bytes per second. */
  readonly linkBytesPerS: number;
}

interface Link {
  readonly url: string;
  /** Bytes delivered to the shield since the last reset. */
  forwarded(): number;
  reset(): void;
  close(): Promise<void>;
}

/** A TCP relay to `port` that delivers the answer at `rate` bytes/s (backpressure reaches the packager). */
async function startLink(port: number, rate: number): Promise<Link> {
  let forwarded = 0;
  const sockets = new Set<Socket>();
  const server: Server = createServer((client) => {
    const up = connect(port, '127.0.0.1');
    for (const s of [client, up]) {
      sockets.add(s);
      s.on('close', () => sockets.delete(s));
      s.on('error', () => {
        client.destroy();
        up.destroy();
      });
    }
    client.pipe(up);
    up.on('data', (chunk: Buffer) => {
      forwarded += chunk.length;
      client.write(chunk);
      up.pause();
      setTimeout(() => up.resume(), (chunk.length / rate) * 1000);
    });
    up.on('end', () => client.end());
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const address = server.address();
  const linkPort = typeof address === 'object' && address ? address.port : 0;
  return {
    url: `http://127.0.0.1:${linkPort}`,
    forwarded: () => forwarded,
    reset: () => {
      forwarded = 0;
    },
    close: async () => {
      for (const s of sockets) s.destroy();
      await new Promise<void>((r) => server.close(() => r()));
    },
  };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const sha256 = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex');

async function until(check: () => boolean, timeoutMs: number): Promise<void> {
  for (const deadline = Date.now() + timeoutMs; !check() && Date.now() < deadline; ) await sleep(20);
}

/** Reads one response whole: its status and body hash, or undefined when it failed or was cut. */
/** A response from fetch (undici) or Miniflare: only what readWhole needs. */
interface AnyResponse {
  readonly status: number;
  arrayBuffer(): Promise<ArrayBuffer>;
}

async function readWhole(
  fetchIt: () => Promise<AnyResponse>,
): Promise<{ status: number; hash: string } | undefined> {
  try {
    const res = await fetchIt();
    const body = new Uint8Array(await res.arrayBuffer());
    return { status: res.status, hash: sha256(body) };
  } catch {
    return undefined;
  }
}

/** Row "fault injection": reads checked after each fault, and how many served a wrong complete body. */
export async function faultInjection(options: FaultOptions): Promise<Row> {
  const dir = mkdtempSync(join(tmpdir(), 'edgeshield-faults-'));
  const root = join(dir, 'media');
  mkdirSync(join(root, 'vod', 'f'), { recursive: true });
  const hashes = new Map<string, string>();
  for (const name of ['ready', 'stop', 'kill', 'disk-warm', 'disk-cut']) {
    const bytes = name === 'ready' ? new Uint8Array(16) : randomBytes(options.objectBytes);
    writeFileSync(join(root, 'vod', 'f', `${name}.ts`), bytes);
    hashes.set(`/vod/f/${name}.ts`, sha256(bytes));
  }
  const packager = await startPackagerTier(root, '/vod/f/ready.ts');
  const link = await startLink(packager.port, options.linkBytesPerS);
  const env = {
    SHIELD_UPSTREAM_TIMEOUT_MS: '1500',
    SHIELD_MAX_OBJECT_BYTES: String(options.objectBytes * 2),
    SHIELD_DISK_DIR: join(dir, 'disk'),
  };
  let shield: Tier | undefined;
  let edge: EdgeWorker | undefined;
  let checked = 0;
  let wrong = 0;
  let correct = 0;
  const stalls: string[] = [];
  try {
    const shieldTier = await startShieldTier(link.url, env);
    shield = shieldTier;
    const worker = await startEdgeWorker({
      AUTH_MODE: 'off',
      SHIELD_URLS: shieldTier.url,
      SHIELD_TIMEOUT_MS: '30000',
    });
    edge = worker;
    const viaEdge = (path: string) => () => worker.mf.dispatchFetch(`http://edge.test${path}`);
    const viaShield = (path: string) => () => fetch(`${shieldTier.url}${path}`);
    /** Every complete 200 must carry the file's bytes. */
    const verify = (path: string, read: { status: number; hash: string } | undefined) => {
      checked++;
      if (read?.status === 200 && read.hash !== hashes.get(path)) wrong++;
      if (read?.status === 200 && read.hash === hashes.get(path)) correct++;
    };
    /** Waits until the shield serves again (its breaker closes once the packager answers). */
    const recovered = async () => {
      for (let i = 0; i < 150 && (await readWhole(viaShield('/vod/f/ready.ts')))?.status !== 200; i++)
        await sleep(100);
    };
    const reread = async (path: string) => {
      for (const read of [viaEdge(path), viaShield(path), viaEdge(path), viaShield(path)])
        verify(path, await readWhole(read));
    };
    /** Starts a read through the edge and waits until a third of the object crossed the link. */
    const inFlight = async (read: () => Promise<AnyResponse>) => {
      link.reset();
      const first = readWhole(read);
      await until(() => link.forwarded() >= options.objectBytes / 3, 30_000);
      // Wrapped: an async function returning the bare promise would wait for the whole read.
      return { first };
    };
    const stallNote = (label: string, at: number) =>
      stalls.push(`${label} at ${Math.round((100 * at) / options.objectBytes)}%`);

    // 1. Packager stopped mid-transfer, then resumed.
    const stopped = await inFlight(viaEdge('/vod/f/stop.ts'));
    packager.signal('SIGSTOP');
    stallNote('stopped', link.forwarded());
    await sleep(4000);
    packager.signal('SIGCONT');
    verify('/vod/f/stop.ts', await stopped.first);
    await reread('/vod/f/stop.ts');

    // 2. Packager killed mid-transfer; shield and edge keep running; then the packager comes back.
    const killed = await inFlight(viaEdge('/vod/f/kill.ts'));
    packager.signal('SIGKILL');
    stallNote('killed', link.forwarded());
    verify('/vod/f/kill.ts', await killed.first);
    await reread('/vod/f/kill.ts');
    await packager.restart();
    await recovered();
    await reread('/vod/f/kill.ts');

    // 3. Shield killed mid-fill with its disk tier on, then restarted on the same directory.
    await recovered();
    verify('/vod/f/disk-warm.ts', await readWhole(viaShield('/vod/f/disk-warm.ts')));
    const cut = await inFlight(viaShield('/vod/f/disk-cut.ts'));
    shieldTier.signal('SIGKILL');
    stallNote('shield killed', link.forwarded());
    verify('/vod/f/disk-cut.ts', await cut.first);
    await shieldTier.restart();
    await recovered();
    for (const path of ['/vod/f/disk-warm.ts', '/vod/f/disk-cut.ts']) await reread(path);
  } finally {
    await edge?.dispose();
    await shield?.stop();
    await link.close();
    await packager.stop();
    rmSync(dir, { recursive: true, force: true });
  }
  return {
    category: 'fault injection: packager SIGSTOP/SIGCONT, packager SIGKILL, shield SIGKILL + disk restart',
    tried: checked,
    badLabel: 'truncated or wrong objects served',
    bad: wrong,
    note: `${options.objectBytes / 1024 / 1024} MiB objects; ${stalls.join(', ')}; ${correct} reads complete and correct, the rest refused or aborted`,
  };
}
