/**
 * A tiny counting reverse proxy put in front of the packager when the bench starts the stack: the
 * shield's upstream is this proxy, so every request that reached the origin is counted per object
 * (path + content query) with its body bytes. Independent of the shield's own metrics, so it stays
 * true even when the shield changes. Loopback only; forwards GET/HEAD verbatim, never caches.
 */

import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Agent, request } from 'undici';
import { objectKeyOf } from './http.ts';
import type { OriginCounter } from './scenario.ts';

export interface CountingProxy extends OriginCounter {
  readonly url: string;
  /** Forget counts (between phases). */
  reset(): void;
  close(): Promise<void>;
}

/**
 * @example const proxy = await startCountingProxy('http://127.0.0.1:8080', 0); proxy.snapshot().get('/vod/ts/master.m3u8')
 */
export async function startCountingProxy(upstream: string, port = 0): Promise<CountingProxy> {
  const counts = new Map<string, { requests: number; bytes: number }>();
  const agent = new Agent({ connections: 128, keepAliveTimeout: 10_000 });
  async function handle(req: IncomingMessage, res: ServerResponse) {
    const url = new URL(req.url ?? '/', upstream);
    const key = objectKeyOf(url);
    const entry = counts.get(key) ?? { requests: 0, bytes: 0 };
    entry.requests++;
    counts.set(key, entry);
    const headers: Record<string, string> = {};
    for (const [k, v] of Object.entries(req.headers)) {
      if (v !== undefined && k !== 'host' && k !== 'connection')
        headers[k] = Array.isArray(v) ? v.join(', ') : v;
    }
    try {
      const up = await request(url, {
        method: req.method === 'HEAD' ? 'HEAD' : 'GET',
        headers,
        dispatcher: agent,
        signal: AbortSignal.timeout(30_000),
      });
      const out: Record<string, string> = {};
      for (const [k, v] of Object.entries(up.headers)) {
        if (v !== undefined && k !== 'connection' && k !== 'keep-alive' && k !== 'transfer-encoding')
          out[k] = Array.isArray(v) ? v.join(', ') : v;
      }
      res.writeHead(up.statusCode, out);
      for await (const chunk of up.body) {
        entry.bytes += (chunk as Buffer).length;
        if (!res.write(chunk)) await new Promise((r) => res.once('drain', r));
      }
      res.end();
    } catch {
      if (!res.headersSent) {
        res.writeHead(502, { 'content-type': 'application/json' });
        res.end('{"code":"BENCH_PROXY_UPSTREAM","message":"packager unreachable"}\n');
      } else res.destroy();
    }
  }
  const server = createServer((req, res) => {
    void handle(req, res);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => resolve());
  });
  const actual = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${actual}`,
    snapshot: () => new Map([...counts].map(([k, v]) => [k, { ...v }])),
    reset: () => counts.clear(),
    close: async () => {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await agent.close();
    },
  };
}
