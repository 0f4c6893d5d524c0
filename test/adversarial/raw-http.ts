/**
 * Raw HTTP/1.1 over a TCP socket, byte for byte (no client-side normalisation of paths, headers or
 * framing), for the adversarial probes. Test helper: no assertions.
 */
import { connect } from 'node:net';

/** Writes `bytes`, collects everything until the server closes or goes quiet for `quietMs`. */
export function exchange(port: number, bytes: string, quietMs = 300): Promise<string> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    let received = '';
    let timer = setTimeout(() => socket.destroy(), quietMs * 4);
    const quiet = () => {
      clearTimeout(timer);
      timer = setTimeout(() => socket.destroy(), quietMs);
    };
    socket.on('connect', () => socket.write(bytes));
    socket.on('data', (d) => {
      received += d.toString('latin1');
      quiet();
    });
    socket.on('error', () => undefined);
    socket.on('close', () => {
      clearTimeout(timer);
      resolve(received);
    });
  });
}

/** `GET <target>` with Connection: close and any extra header lines. */
export function rawGet(target: string, host: string, extra: readonly string[] = []): string {
  return [`GET ${target} HTTP/1.1`, `Host: ${host}`, ...extra, 'Connection: close', '', ''].join('\r\n');
}
