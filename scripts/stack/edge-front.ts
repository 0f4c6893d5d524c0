/**
 * The front door of the local edge: does to each request what Cloudflare's network does before a
 * Worker runs, and `wrangler dev` (Miniflare) does not. Miniflare trusts a client's `MF-CF-Blob`
 * header as `request.cf` (country, region, clientIp: geo rules and claims bypassed; invalid JSON
 * answers 500) and a client's `CF-Connecting-IP` (IP-bound tokens bypassed). Cloudflare sets the
 * `CF-*` headers itself and never lets a client write Miniflare's `MF-*` control headers, so this
 * proxy drops every client `MF-*` and `CF-*` header and `X-Forwarded-Proto` (Miniflare rewrites
 * the URL scheme from it), then sets `CF-Connecting-IP` to the peer address. `CF-IPCountry` alone
 * passes: the edge reads it only under the explicit dev opt-in DEV_TRUST_CLIENT_COUNTRY=on (the
 * geo-mix bench), since Miniflare's `request.cf.country` is always set otherwise.
 * Must not change anything else: method, URL, the other headers, bodies and aborts pass through
 * (an upstream that breaks mid-body breaks the client's response too, never ends it cleanly).
 */
import {
  Agent,
  createServer,
  request as httpRequest,
  type IncomingHttpHeaders,
  type Server,
} from 'node:http';
import type { AddressInfo } from 'node:net';
import { pipeline } from 'node:stream';

/** Client headers Cloudflare's network owns (set or strips) before the Worker sees the request. */
const PLATFORM_HEADER = /^mf-|^cf-(?!ipcountry$)|^x-forwarded-proto$/i;
/** Hop-by-hop (RFC 9110 §7.6.1): each side of the proxy manages its own connection. */
const HOP_BY_HOP = /^(connection|keep-alive)$/i;

export interface EdgeFront {
  readonly url: string;
  close(): Promise<void>;
}

/**
 * Headers for the Worker: the client's, minus the platform-owned ones, plus the real peer address.
 *
 * @example platformHeaders({ 'mf-cf-blob': '{"country":"KP"}', accept: '*' }, '127.0.0.1')
 *   // { accept: '*', 'cf-connecting-ip': '127.0.0.1' }
 */
export function platformHeaders(headers: IncomingHttpHeaders, peer: string): IncomingHttpHeaders {
  const out: IncomingHttpHeaders = {};
  for (const [name, value] of Object.entries(headers)) {
    if (!PLATFORM_HEADER.test(name) && !HOP_BY_HOP.test(name)) out[name] = value;
  }
  out['cf-connecting-ip'] = peer.replace(/^::ffff:/, '');
  return out;
}

/**
 * Listens on 127.0.0.1:`port` (0: any free port) and forwards to the Worker at `target`.
 *
 * @example const front = await startEdgeFront(8787, 'http://127.0.0.1:41234'); … await front.close();
 */
export async function startEdgeFront(port: number, target: string): Promise<EdgeFront> {
  const upstream = new URL(target);
  const agent = new Agent({ keepAlive: true });
  const server: Server = createServer((req, res) => {
    const forwarded = httpRequest(
      {
        host: upstream.hostname,
        port: upstream.port,
        method: req.method,
        path: req.url,
        headers: platformHeaders(req.headers, req.socket.remoteAddress ?? ''),
        agent,
      },
      (answer) => {
        const headers: string[] = [];
        for (let i = 0; i + 1 < answer.rawHeaders.length; i += 2) {
          const [name = '', value = ''] = [answer.rawHeaders[i], answer.rawHeaders[i + 1]];
          if (!HOP_BY_HOP.test(name)) headers.push(name, value);
        }
        res.writeHead(answer.statusCode ?? 502, answer.statusMessage, headers);
        // pipeline destroys the client response when the Worker's body breaks: no clean short end.
        pipeline(answer, res, () => undefined);
      },
    );
    forwarded.on('error', () => {
      if (!res.headersSent) res.writeHead(502, { 'content-type': 'text/plain' }).end('edge unavailable\n');
      else res.destroy();
    });
    pipeline(req, forwarded, () => undefined);
    res.on('close', () => {
      if (!res.writableFinished) forwarded.destroy();
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', resolve);
  });
  const { port: bound } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${bound}`,
    close: async () => {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      agent.destroy();
    },
  };
}
