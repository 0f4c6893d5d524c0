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
