/**
 * A fake packager whose bodies are released by the test: it sends the status line and the first part
 * of a body at once, then holds the rest until `release(path)` (or aborts it with `fail(path)`). Lets
 * shield tests assert ordering ("first bytes reached every waiter before the upstream finished")
 * without timing assumptions. Counts requests per path like the shared counting upstream.
 */
import { createServer, type IncomingHttpHeaders, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface GatedRoute {
  readonly status?: number;
  readonly headers?: Record<string, string>;
  /** Sent with the headers. */
  readonly head: Buffer;
  /** Sent on release. */
  readonly tail: Buffer;
}

export interface GatedUpstream {
  readonly url: string;
  route(path: string, route: GatedRoute): void;
  count(path: string): number;
  readonly requests: { url: string; headers: IncomingHttpHeaders }[];
  /** Sends the rest of every held body for `path` and ends them. */
  release(path: string): void;
  /** Destroys every held response for `path` (a mid-body failure). */
  fail(path: string): void;
  close(): Promise<void>;
}

/** Starts the gated upstream on 127.0.0.1:0. */
export async function startGatedUpstream(): Promise<GatedUpstream> {
  const routes = new Map<string, GatedRoute>();
  const held = new Map<string, ServerResponse[]>();
  const requests: { url: string; headers: IncomingHttpHeaders }[] = [];
  const server = createServer((req, res) => {
    const url = req.url ?? '/';
    requests.push({ url, headers: req.headers });
    const path = url.split('?')[0] ?? '/';
    const route = routes.get(path);
    if (!route) {
      res.writeHead(404).end();
      return;
    }
    const length = route.head.byteLength + route.tail.byteLength;
    res.writeHead(route.status ?? 200, { 'content-length': String(length), ...route.headers });
    res.write(route.head);
    held.set(path, [...(held.get(path) ?? []), res]);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  const take = (path: string) => {
    const list = held.get(path) ?? [];
    held.delete(path);
    return list;
  };
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    route: (path, route) => routes.set(path, route),
    count: (path) => requests.filter((r) => (r.url.split('?')[0] ?? '') === path).length,
    release(path) {
      const route = routes.get(path);
      for (const res of take(path)) res.end(route?.tail);
    },
    fail(path) {
      for (const res of take(path)) res.destroy();
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
