/**
 * Load generator, run as its own process so it does not share an event loop with what it measures:
 *   node bench/shield/load.ts rate  <url> <connections> <durationMs>   → {requests, bytes, errors, rps, mbps}
 *   node bench/shield/load.ts storm <url> <clients> [primeWaitMs]      → per-client ttfb/ttlb (ms) and statuses
 * With primeWaitMs the storm first fetches the object once, waits that long (so it expires), then storms.
 * Prints one JSON line. undici keep-alive pools; bodies are read to the end (not dumped).
 */
import { Agent, Pool, request } from 'undici';

const [mode, url = '', a = '0', b = '0'] = process.argv.slice(2);

async function rate(target: string, connections: number, durationMs: number): Promise<void> {
  const u = new URL(target);
  const pool = new Pool(u.origin, { connections, pipelining: 1, keepAliveTimeout: 30_000 });
  let requests = 0;
  let bytes = 0;
  let errors = 0;
  const started = performance.now();
  const end = started + durationMs;
  const worker = async () => {
    while (performance.now() < end) {
      try {
        const res = await pool.request({ method: 'GET', path: u.pathname });
        for await (const chunk of res.body) bytes += (chunk as Buffer).length;
        if (res.statusCode === 200) requests++;
        else errors++;
      } catch {
        errors++;
      }
    }
  };
  await Promise.all(Array.from({ length: connections }, worker));
  const secs = (performance.now() - started) / 1000;
  await pool.close();
  out({ requests, bytes, errors, rps: requests / secs, mbps: (bytes * 8) / secs / 1e6 });
}

async function storm(target: string, clients: number, primeWaitMs: number): Promise<void> {
  const dispatcher = new Agent({ connections: clients + 10, keepAliveTimeout: 30_000 });
  // Open every connection first (edges keep connections to their shield warm): the storm then
  // measures caching, not 500 TCP handshakes.
  const health = new URL('/healthz', target).href;
  await Promise.all(
    Array.from({ length: clients }, async () => {
      const res = await request(health, { dispatcher });
      await res.body.dump();
    }),
  );
  if (primeWaitMs > 0) {
    await (await request(target, { dispatcher })).body.dump();
    await new Promise((r) => setTimeout(r, primeWaitMs));
  }
  const t0 = performance.now();
  const one = async () => {
    try {
      const res = await request(target, { dispatcher });
      let ttfb = -1;
      let bytes = 0;
      for await (const chunk of res.body) {
        if (ttfb < 0) ttfb = performance.now() - t0;
        bytes += (chunk as Buffer).length;
      }
      const xc = res.headers['x-cache'];
      return {
        status: res.statusCode,
        ttfb,
        ttlb: performance.now() - t0,
        bytes,
        cache: typeof xc === 'string' ? xc : '',
      };
    } catch {
      return { status: 0, ttfb: -1, ttlb: performance.now() - t0, bytes: 0, cache: 'error' };
    }
  };
  const results = await Promise.all(Array.from({ length: clients }, one));
  await dispatcher.close();
  out({ results });
}

function out(value: unknown): void {
  process.stdout.write(`${JSON.stringify(value)}\n`);
}

if (mode === 'rate') await rate(url, Number(a), Number(b));
else if (mode === 'storm') await storm(url, Number(a), Number(b));
else {
  process.stderr.write('usage: load.ts rate <url> <connections> <durationMs> | storm <url> <clients>\n');
  process.exit(2);
}
