/**
 * Load generator, run as its own process so it does not share an event loop with what it measures:
 *   node bench/shield/load.ts rate  <url> <connections> <durationMs>   → {requests, bytes, errors, rps, mbps, secs, cpuSec}
 *   node bench/shield/load.ts storm <url> <clients> [maxAgeSec clock]  → per-client ttfb/ttlb (ms) and statuses
 * With maxAgeSec the storm first fetches the object once and waits until that copy is past max-age on
 * the server's clock (`ms`: a millisecond clock like the shield's; `s`: a whole-second clock like
 * nginx's), then storms. Prints one JSON line. undici keep-alive pools; bodies are read to the end.
 *
 * Storm timings: `ttfb`/`ttlb` count from the storm's start (before the first of the N requests is
 * dispatched); `sentAt` is when this client's request headers reached its socket (undici's
 * `undici:client:sendHeaders` diagnostics channel), so `ttlb - sentAt` is the waiter's own TTLB as k6
 * measures http_req_duration (sending + waiting + receiving), without the load generator's own
 * queueing of N dispatches.
 */
import diagnosticsChannel from 'node:diagnostics_channel';
import { Agent, Pool, request } from 'undici';

const [mode, url = '', a = '0', b = '0', c = 'ms'] = process.argv.slice(2);

async function rate(target: string, connections: number, durationMs: number): Promise<void> {
  const u = new URL(target);
  const pool = new Pool(u.origin, { connections, pipelining: 1, keepAliveTimeout: 30_000 });
  let requests = 0;
  let bytes = 0;
  let errors = 0;
  const started = performance.now();
  // This process's own CPU over the run (not its startup): ≥ ~0.9 s per second means the client, not
  // the server, set the pace.
  const cpuAtStart = process.cpuUsage();
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
  const cpu = process.cpuUsage(cpuAtStart);
  await pool.close();
  const cpuSec = (cpu.user + cpu.system) / 1e6;
  out({ requests, bytes, errors, rps: requests / secs, mbps: (bytes * 8) / secs / 1e6, secs, cpuSec });
}

/**
 * How long to wait after priming so the copy is expired on the server. A whole-second clock
 * (nginx: `valid_sec = ngx_time() + max-age`, stale once `valid_sec < ngx_time()`) needs the wall
 * clock's second to reach floor(prime) + max-age + 1; a millisecond clock needs max-age plus a margin.
 */
function expiryWaitMs(primedAt: number, maxAgeSec: number, clock: string): number {
  if (clock === 's') return (Math.floor(primedAt / 1000) + maxAgeSec + 1) * 1000 + 150 - primedAt;
  return maxAgeSec * 1000 + 300;
}

async function storm(target: string, clients: number, maxAgeSec: number, clock: string): Promise<void> {
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
  let expiryWait = 0;
  if (maxAgeSec > 0) {
    await (await request(target, { dispatcher })).body.dump();
    expiryWait = expiryWaitMs(Date.now(), maxAgeSec, clock);
    await new Promise((r) => setTimeout(r, expiryWait));
  }
  const sent = new Map<string, number>();
  const onSend = (message: unknown) => {
    const id = /x-bench-client: (\d+)/.exec((message as { headers?: string }).headers ?? '')?.[1];
    if (id !== undefined) sent.set(id, performance.now());
  };
  diagnosticsChannel.subscribe('undici:client:sendHeaders', onSend);
  const t0 = performance.now();
  let nextId = 0;
  const one = async () => {
    const id = String(nextId++);
    const sentAt = () => (sent.get(id) ?? t0) - t0;
    try {
      const res = await request(target, { dispatcher, headers: { 'x-bench-client': id } });
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
        sentAt: sentAt(),
        bytes,
        cache: typeof xc === 'string' ? xc : '',
      };
    } catch {
      return {
        status: 0,
        ttfb: -1,
        ttlb: performance.now() - t0,
        sentAt: sentAt(),
        bytes: 0,
        cache: 'error',
      };
    }
  };
  const results = await Promise.all(Array.from({ length: clients }, one));
  diagnosticsChannel.unsubscribe('undici:client:sendHeaders', onSend);
  await dispatcher.close();
  out({ results, expiryWaitMs: expiryWait });
}

function out(value: unknown): void {
  process.stdout.write(`${JSON.stringify(value)}\n`);
}

if (mode === 'rate') await rate(url, Number(a), Number(b));
else if (mode === 'storm') await storm(url, Number(a), Number(b), c);
else {
  process.stderr.write(
    'usage: load.ts rate <url> <connections> <durationMs> | storm <url> <clients> [maxAgeSec ms|s]\n',
  );
  process.exit(2);
}
