/**
 * Serves the dev player page and hls.js from node_modules. A dev tool: static files only, loopback only.
 */
import { readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { createRequire } from 'node:module';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';

export interface PlayerServer {
  readonly url: string;
  /** The page URL that plays `src`. */
  pageFor(src: string): string;
  /** The page URL that plays a WHEP endpoint (`mode` whep) or publishes to a WHIP one (`whip`). */
  pageForRtc(mode: 'whep' | 'whip', endpoint: string, extra?: Record<string, string>): string;
  close(): Promise<void>;
}

/**
 * @example const player = await startPlayerServer(8090); console.log(player.pageFor(masterUrl));
 */
export async function startPlayerServer(port: number, host = '127.0.0.1'): Promise<PlayerServer> {
  const page = readFileSync(fileURLToPath(new URL('./index.html', import.meta.url)));
  const hlsPath = createRequire(import.meta.url).resolve('hls.js/dist/hls.min.js');
  const hls = readFileSync(hlsPath);
  const webrtc = readFileSync(fileURLToPath(new URL('./webrtc.js', import.meta.url)));
  const server = createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.writeHead(405, { allow: 'GET, HEAD' }).end();
      return;
    }
    const file =
      path === '/' ? page : path === '/hls.min.js' ? hls : path === '/webrtc.js' ? webrtc : undefined;
    if (!file) {
      res.writeHead(404, { 'content-type': 'text/plain' }).end('not found\n');
      return;
    }
    const type = path === '/' ? 'text/html; charset=utf-8' : 'text/javascript; charset=utf-8';
    res.writeHead(200, { 'content-type': type, 'content-length': file.length, 'cache-control': 'no-cache' });
    res.end(req.method === 'HEAD' ? undefined : file);
  });
  await new Promise<void>((resolve) => server.listen(port, host, resolve));
  const url = `http://${host}:${(server.address() as AddressInfo).port}`;
  return {
    url,
    pageFor: (src) => `${url}/?src=${encodeURIComponent(src)}`,
    pageForRtc: (mode, endpoint, extra = {}) =>
      `${url}/?${new URLSearchParams({ [mode]: endpoint, ...extra }).toString()}`,
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
