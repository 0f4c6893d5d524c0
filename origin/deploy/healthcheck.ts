/**
 * Container health probe (`HEALTHCHECK` in origin/deploy/Dockerfile): exit 0 when this host's shield
 * answers, 1 otherwise. Reads the port and TLS settings with the shield's own parser, so it probes
 * what the shield listens on. Must not touch anything but /healthz (it carries no credential).
 *
 * Plain HTTP and HTTPS: GET /healthz must answer 200 (HTTPS without checking the certificate: the
 * probe talks to its own process over loopback, and the certificate names the public host). With
 * SHIELD_TLS_CLIENT_CA the shield refuses any client without a certificate from that CA, so the
 * probe can only check that the listener accepts connections.
 */
import { request } from 'node:https';
import { connect } from 'node:net';
import { parseShieldConfig } from '../config.ts';

const TIMEOUT_MS = 2_000;
const HOST = '127.0.0.1';

const parsed = parseShieldConfig(process.env);
// A config the shield would refuse means no shield is listening: unhealthy.
if (!parsed.ok) process.exit(1);
const { port, tls } = parsed.value;

if (tls?.clientCaPath !== undefined) {
  const socket = connect({ host: HOST, port, timeout: TIMEOUT_MS });
  socket.once('connect', () => process.exit(0));
  socket.once('error', () => process.exit(1));
  socket.once('timeout', () => process.exit(1));
} else if (tls !== undefined) {
  const req = request({ host: HOST, port, path: '/healthz', rejectUnauthorized: false, timeout: TIMEOUT_MS });
  req.once('response', (res) => process.exit(res.statusCode === 200 ? 0 : 1));
  req.once('error', () => process.exit(1));
  req.once('timeout', () => process.exit(1));
  req.end();
} else {
  try {
    const res = await fetch(`http://${HOST}:${port}/healthz`, { signal: AbortSignal.timeout(TIMEOUT_MS) });
    process.exit(res.status === 200 ? 0 : 1);
  } catch {
    process.exit(1);
  }
}
