/**
 * Raw-socket clients for shield tests: write exact bytes (optionally one at a time, slowly) and see
 * exactly what comes back and whether the server closed the connection. Works over TCP or TLS.
 */
import { connect as connectTcp, type Socket } from 'node:net';
import { type ConnectionOptions, connect as connectTls, TLSSocket } from 'node:tls';

/** What a raw exchange saw. */
export interface RawExchange {
  /** Every byte the server sent. */
  readonly received: Buffer;
  /** The server closed the connection (false: the test's own safety limit ended it). */
  readonly closedByServer: boolean;
}

/** Opens a raw connection to a shield URL (`https:` connects with TLS using `tls`). */
export function rawConnect(url: string, tls: ConnectionOptions = {}): Socket {
  const { protocol, hostname, port } = new URL(url);
  return protocol === 'https:'
    ? connectTls({ host: hostname, port: Number(port), servername: 'localhost', ...tls })
    : connectTcp(Number(port), hostname);
}

/**
 * Sends `first` at once, then `trickle` one byte every `gapMs` until the server closes the
 * connection; gives up (closedByServer false) after `limitMs`, so a server that never closes fails
 * the test instead of hanging it.
 *
 * @example const r = await trickle(shield.url, 'GET / HTTP/1.1\r\n', 'Host: s\r\n\r\n', 50);
 */
export function trickle(
  url: string,
  first: string,
  slow: string,
  gapMs: number,
  limitMs = 10_000,
  tls: ConnectionOptions = {},
): Promise<RawExchange> {
  return new Promise((resolve) => {
    const socket = rawConnect(url, tls);
    const chunks: Buffer[] = [];
    let at = 0;
    let timer: NodeJS.Timeout | undefined;
    const limit = setTimeout(() => finish(false), limitMs);
    const finish = (closedByServer: boolean) => {
      clearTimeout(limit);
      clearInterval(timer);
      socket.destroy();
      resolve({ received: Buffer.concat(chunks), closedByServer });
    };
    socket.on('data', (c: Buffer) => chunks.push(c));
    socket.on('error', () => undefined);
    // A reset counts as closed by the server too; what matters is that it did not stay open.
    socket.on('close', () => finish(true));
    socket.once(socket instanceof TLSSocket ? 'secureConnect' : 'connect', () => {
      if (first !== '') socket.write(first);
      timer = setInterval(() => {
        if (socket.destroyed || !socket.writable) return;
        if (at < slow.length) socket.write(slow[at++] ?? '');
      }, gapMs);
    });
  });
}

/** Status codes of the responses in raw bytes, in order (by status line). */
export function statusesOf(raw: Buffer): number[] {
  return [...raw.toString('latin1').matchAll(/HTTP\/1\.1 (\d{3}) /g)].map((m) => Number(m[1]));
}

/** One response read off a raw connection. */
export interface RawReply {
  readonly status: number;
  readonly headers: Readonly<Record<string, string>>;
  readonly body: Buffer;
}

/**
 * Sends a GET on an open (keep-alive) connection and reads its response (Content-Length or chunked).
 * Rejects if the connection closes first.
 *
 * @example const r = await requestOn(socket, '/v/a.ts'); r.headers['x-cache'] // 'HIT'
 */
export function requestOn(socket: Socket, path: string): Promise<RawReply> {
  return new Promise((resolve, reject) => {
    let buffered = Buffer.alloc(0);
    const onData = (chunk: Buffer) => {
      buffered = Buffer.concat([buffered, chunk]);
      const end = buffered.indexOf('\r\n\r\n');
      if (end === -1) return;
      const [statusLine = '', ...lines] = buffered.toString('latin1', 0, end).split('\r\n');
      const headers: Record<string, string> = {};
      for (const line of lines) {
        const colon = line.indexOf(':');
        headers[line.slice(0, colon).toLowerCase()] = line.slice(colon + 1).trim();
      }
      const status = Number(statusLine.split(' ')[1]);
      let body: Buffer | undefined;
      if (headers['transfer-encoding'] === 'chunked') body = dechunk(buffered.subarray(end + 4));
      else {
        const length = Number(headers['content-length'] ?? '0');
        if (buffered.length >= end + 4 + length) body = buffered.subarray(end + 4, end + 4 + length);
      }
      if (body === undefined) return;
      done();
      resolve({ status, headers, body });
    };
    const onClose = () => {
      done();
      reject(new Error(`connection closed before the response to ${path} was complete`));
    };
    const done = () => {
      socket.off('data', onData);
      socket.off('close', onClose);
      socket.off('error', onClose);
    };
    socket.on('data', onData);
    socket.on('close', onClose);
    socket.on('error', onClose);
    socket.write(`GET ${path} HTTP/1.1\r\nHost: shield\r\n\r\n`);
  });
}

/** A complete chunked body, or undefined while its last chunk has not arrived. */
function dechunk(raw: Buffer): Buffer | undefined {
  const parts: Buffer[] = [];
  for (let at = 0; ; ) {
    const sizeEnd = raw.indexOf('\r\n', at);
    if (sizeEnd === -1) return undefined;
    const size = Number.parseInt(raw.toString('latin1', at, sizeEnd), 16);
    if (raw.length < sizeEnd + 2 + size + 2) return undefined;
    if (size === 0) return Buffer.concat(parts);
    parts.push(raw.subarray(sizeEnd + 2, sizeEnd + 2 + size));
    at = sizeEnd + 2 + size + 2;
  }
}
