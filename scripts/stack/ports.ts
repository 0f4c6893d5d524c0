/**
 * Free loopback ports for the local stack and tests. Node-only helper; never binds beyond 127.0.0.1.
 */
import { createServer } from 'node:net';

// Below Linux's default ephemeral range (32768–60999): a port the kernel hands out for bind(0) is also
// what it hands to the next outgoing connection, which then takes "our" port before the service binds
// it (seen in CI as wrangler's "Address already in use"). Picking outside that range removes the race
// with outgoing sockets; the bind check below removes most of the rest.
const FIRST_PORT = 20_000;
const LAST_PORT = 32_000;
const ATTEMPTS = 50;

/** A port on 127.0.0.1 that was free just now. Another process may take it before use; callers retry. */
export async function freePort(): Promise<number> {
  for (let attempt = 0; attempt < ATTEMPTS; attempt++) {
    const port = FIRST_PORT + Math.floor(Math.random() * (LAST_PORT - FIRST_PORT));
    if (await bindable(port)) return port;
  }
  return kernelPort();
}

function bindable(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(false));
    server.listen({ port, host: '127.0.0.1', exclusive: true }, () => server.close(() => resolve(true)));
  });
}

/** Fallback: whatever the kernel picks (in the ephemeral range). */
function kernelPort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address !== null ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}
