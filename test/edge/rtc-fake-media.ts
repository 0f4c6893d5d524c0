/**
 * A stand-in RTC media server on a real socket, answering the WHIP/WHEP contract
 * (src/core/webrtc/contract.ts) and recording every request. Test helper: no assertions.
 *
 * Streams by name: `nostream` → 404 RTC_ERR_STREAM_NOT_FOUND, `full` → 503 RTC_ERR_STREAM_FULL,
 * `broken` → 500, `stray` → 201 whose Location names another stream, `hang` → never answers; any other
 * → 201 with an SDP answer, an ETag, an internal `Link` ICE server and a `Location` absolute to this
 * server (WHEP) or path-absolute (WHIP). Sessions answer PATCH 204 and DELETE 200 while they exist.
 */
import { randomBytes } from 'node:crypto';
import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import { parseRtcPath } from '../../src/core/webrtc/contract.ts';

export interface MediaRequest {
  readonly method: string;
  readonly path: string;
  readonly headers: IncomingHttpHeaders;
  readonly body: string;
}

export interface FakeMediaServer {
  readonly url: string;
  readonly requests: MediaRequest[];
  readonly sessions: Set<string>;
  close(): Promise<void>;
}

/** The ICE server the fake advertises: an internal address that must never reach a viewer. */
export const INTERNAL_STUN = 'stun:10.9.8.7:3478';
export const SDP_ANSWER = 'v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=answer\r\n';

const json = (code: string) => JSON.stringify({ code, message: code.toLowerCase() });

export async function startFakeMediaServer(): Promise<FakeMediaServer> {
  const requests: MediaRequest[] = [];
  const sessions = new Set<string>();
  let url = '';
  const server = createServer((req, res) => {
    let body = '';
    req.setEncoding('utf8');
    req.on('data', (chunk: string) => {
      body += chunk;
    });
    req.on('end', () => {
      const path = req.url ?? '/';
      requests.push({ method: req.method ?? '', path, headers: req.headers, body });
      const rtc = parseRtcPath(path);
      const error = (status: number, code: string) =>
        res.writeHead(status, { 'content-type': 'application/json' }).end(json(code));
      if (rtc === undefined) return error(404, 'RTC_ERR_STREAM_NOT_FOUND');
      if (rtc.stream === 'hang') return;
      if (rtc.session !== undefined) {
        const key = `${rtc.kind}/${rtc.stream}/${rtc.session}`;
        if (!sessions.has(key)) return error(404, 'RTC_ERR_SESSION_NOT_FOUND');
        if (req.method === 'DELETE') sessions.delete(key);
        return res.writeHead(req.method === 'DELETE' ? 200 : 204).end();
      }
      if (rtc.stream === 'nostream') return error(404, 'RTC_ERR_STREAM_NOT_FOUND');
      if (rtc.stream === 'full') return error(503, 'RTC_ERR_STREAM_FULL');
      if (rtc.stream === 'broken') return error(500, 'RTC_ERR_INTERNAL');
      const id = randomBytes(16).toString('base64url');
      sessions.add(`${rtc.kind}/${rtc.stream}/${id}`);
      const own = `/${rtc.kind}/${rtc.stream === 'stray' ? 'other' : rtc.stream}/sessions/${id}`;
      res
        .writeHead(201, {
          'content-type': 'application/sdp',
          etag: '"ice-1"',
          location: rtc.kind === 'whep' ? `${url}${own}` : own,
          link: `<${INTERNAL_STUN}>; rel="ice-server"`,
          server: 'fake-media/1',
        })
        .end(SDP_ANSWER);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url,
    requests,
    sessions,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
