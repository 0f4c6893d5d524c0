/**
 * The "bare Node" baseline: the reverse proxy a team writes in an afternoon — node:http, an
 * in-memory Map keyed by path, Cache-Control max-age honoured, no request coalescing, no bounds
 * beyond a byte cap. Runs in-process on a free loopback port. Must stay naive: it is the yardstick.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Agent, request } from 'undici';
import type { Baseline } from './nginx.ts';

interface Entry {
  readonly status: number;
  readonly headers: Record<string, string>;
  readonly body: Buffer;
  readonly expires: number;
}

/** @example const b = await startNodeCache('http://127.0.0.1:8080'); await b.stop(); */
export async function startNodeCache(upstream: string, maxBytes = 512 * 1024 * 1024): Promise<Baseline> {
  const cache = new Map<string, Entry>();
  let bytes = 0;
  const agent = new Agent({ connections: 64 });
  const server = createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0] ?? '/';
    const hit = cache.get(path);
    if (hit !== undefined && hit.expires > Date.now()) {
      res.writeHead(hit.status, { ...hit.headers, 'x-cache': 'HIT' });
      res.end(hit.body);
      return;
    }
    request(new URL(path, upstream), { dispatcher: agent, signal: AbortSignal.timeout(15_000) })
      .then(async (up) => {
        const body = Buffer.from(await up.body.arrayBuffer());
        const headers: Record<string, string> = {};
        for (const [k, v] of Object.entries(up.headers)) {
          if (typeof v === 'string' && !['connection', 'keep-alive', 'transfer-encoding'].includes(k))
            headers[k] = v;
        }
        const maxAge = Number(/max-age=(\d+)/.exec(headers['cache-control'] ?? '')?.[1] ?? 0);
        if (up.statusCode === 200 && maxAge > 0 && bytes + body.length <= maxBytes) {
          cache.set(path, { status: 200, headers, body, expires: Date.now() + maxAge * 1000 });
          bytes += body.length;
        }
        res.writeHead(up.statusCode, { ...headers, 'x-cache': 'MISS' });
        res.end(body);
      })
      .catch(() => {
        res.writeHead(502, { 'content-type': 'application/json' });
        res.end('{"code":"NODE_BASELINE_UPSTREAM","message":"upstream failed"}\n');
      });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}`,
    async stop() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await agent.close();
    },
  };
}
