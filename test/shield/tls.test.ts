/**
 * The shield over HTTPS (issue 12) with a CA made in the test by `openssl`: hits served by the fast
 * lane over TLS, mTLS refusing a client without a certificate, certificate reload that new
 * connections see while open ones keep working, and start/reload errors naming the key.
 */
import { spawn } from 'node:child_process';
import { X509Certificate } from 'node:crypto';
import { copyFileSync, writeFileSync } from 'node:fs';
import { type ConnectionOptions, connect, type TLSSocket } from 'node:tls';
import { fileURLToPath } from 'node:url';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { silentLogger } from '../../origin/log.ts';
import { startShield } from '../../origin/server.ts';
import { createTestCa, type Issued, type TestCa } from '../fixtures/test-ca.ts';
import { IMMUTABLE, type Pair, shieldConfig, startPair } from './helpers.ts';
import { requestOn, statusesOf, trickle } from './raw-client.ts';

let ca: TestCa;
let server: Issued;
let client: Issued;
beforeAll(() => {
  ca = createTestCa();
  server = ca.issue('server', 'server');
  client = ca.issue('edge', 'client');
});
afterAll(() => ca.remove());

const pairs: Pair[] = [];
const sockets: TLSSocket[] = [];
afterEach(async () => {
  for (const s of sockets.splice(0)) s.destroy();
  for (const p of pairs.splice(0)) await p.close();
});

async function tlsPair(env: Record<string, string> = {}): Promise<Pair> {
  const p = await startPair({ SHIELD_TLS_CERT: server.certPath, SHIELD_TLS_KEY: server.keyPath, ...env });
  pairs.push(p);
  p.upstream.route('/v/a.ts', { body: 'segment-a', headers: IMMUTABLE });
  return p;
}

/** A TLS connection to the shield, resolved once the handshake is done (rejects on a TLS error). */
function open(url: string, options: ConnectionOptions = {}): Promise<TLSSocket> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve, reject) => {
    const socket = connect({
      host: hostname,
      port: Number(port),
      servername: 'localhost',
      ca: ca.ca,
      ...options,
    });
    sockets.push(socket);
    socket.once('secureConnect', () => resolve(socket));
    socket.once('error', reject);
  });
}

const serialOf = (socket: TLSSocket) => socket.getPeerCertificate().serialNumber;
const MAIN = fileURLToPath(new URL('../../origin/main.ts', import.meta.url));

/** Polls `check` every 25 ms, up to `ms` (10 s). */
async function until(check: () => boolean, ms = 10_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!check() && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 25));
  if (!check()) throw new Error(`condition not reached within ${ms} ms`);
}

describe('shield over TLS', () => {
  it.each([
    ['from the fast lane', {}, 1],
    ["from Node's server with the lane off", { SHIELD_FAST_LANE: 'off' }, 0],
  ])('serves a cached object over HTTPS %s', async (_name, env, laneHits) => {
    const p = await tlsPair(env);
    expect(p.shield.url).toMatch(/^https:\/\//);
    const socket = await open(p.shield.url);
    const miss = await requestOn(socket, '/v/a.ts');
    const hit = await requestOn(socket, '/v/a.ts');
    expect([miss.status, miss.headers['x-cache'], miss.body.toString()]).toEqual([200, 'MISS', 'segment-a']);
    expect([hit.status, hit.headers['x-cache'], hit.body.toString()]).toEqual([200, 'HIT', 'segment-a']);
    const metrics = (await requestOn(socket, '/metrics')).body.toString();
    expect(metrics).toMatch(new RegExp(`^shield_fast_lane_hits_total ${laneHits}$`, 'm'));
    expect(p.upstream.count('/v/a.ts')).toBe(1);
  });

  it('closes a connection that never starts its TLS handshake once the header deadline passes', async () => {
    const p = await tlsPair({ SHIELD_HEADERS_TIMEOUT_MS: '300', SHIELD_REQUEST_TIMEOUT_MS: '600' });
    // A plain TCP connection to the TLS port that never sends its ClientHello.
    const r = await trickle(p.shield.url.replace('https:', 'http:'), '', '', 1_000);
    expect(r.closedByServer).toBe(true);
    expect(r.received.length).toBe(0);
  });

  it('gives a TLS client that trickles its request head a 408 and closes the connection', async () => {
    const p = await tlsPair({ SHIELD_HEADERS_TIMEOUT_MS: '300', SHIELD_REQUEST_TIMEOUT_MS: '600' });
    const r = await trickle(
      p.shield.url,
      '',
      'GET /v/a.ts HTTP/1.1\r\nHost: s\r\nX-Slow: aaaaaaaaaaaaaaaaaaaaaaaaa\r\n\r\n',
      20,
      10_000,
      { ca: ca.ca },
    );
    expect(r.closedByServer).toBe(true);
    expect(statusesOf(r.received)).toEqual([408]);
  });

  it('with SHIELD_TLS_CLIENT_CA serves a client presenting a certificate from that CA and refuses one without', async () => {
    const p = await tlsPair({ SHIELD_TLS_CLIENT_CA: ca.caPath });
    const withCert = await open(p.shield.url, { cert: client.cert, key: client.key });
    expect((await requestOn(withCert, '/v/a.ts')).status).toBe(200);
    // TLS 1.3: the client may finish its side of the handshake before the server refuses it, so the
    // refusal shows as a failed connection or a request that never gets an answer.
    const refused = await open(p.shield.url).then(
      (socket) =>
        requestOn(socket, '/v/a.ts').then(
          (r) => `answered ${r.status}`,
          (e: Error) => e.message,
        ),
      (e: Error) => e.message,
    );
    expect(refused).not.toMatch(/^answered/);
    expect(p.upstream.count('/v/a.ts')).toBe(1);
  });

  it('reloads certificates for new connections while an open keep-alive connection keeps working', async () => {
    const files = ca.issue('live', 'server');
    const p = await tlsPair({ SHIELD_TLS_CERT: files.certPath, SHIELD_TLS_KEY: files.keyPath });
    const before = await open(p.shield.url);
    expect((await requestOn(before, '/v/a.ts')).status).toBe(200);
    const oldSerial = serialOf(before);
    const next = ca.issue('next', 'server');
    copyFileSync(next.certPath, files.certPath);
    copyFileSync(next.keyPath, files.keyPath);
    expect(await p.shield.reloadTls()).toBe(true);
    const after = await open(p.shield.url);
    expect(serialOf(after)).not.toBe(oldSerial);
    expect(serialOf(after)).toBe(new X509Certificate(next.cert).serialNumber);
    expect((await requestOn(after, '/v/a.ts')).headers['x-cache']).toBe('HIT');
    // The connection opened before the reload: same session, still served.
    expect((await requestOn(before, '/v/a.ts')).headers['x-cache']).toBe('HIT');
    expect(serialOf(before)).toBe(oldSerial);
  });

  it('keeps the working certificates when a reload finds an unusable key, naming SHIELD_TLS_KEY', async () => {
    const files = ca.issue('broken', 'server');
    const p = await tlsPair({ SHIELD_TLS_CERT: files.certPath, SHIELD_TLS_KEY: files.keyPath });
    writeFileSync(files.keyPath, 'not a key');
    await expect(p.shield.reloadTls()).rejects.toThrow(
      /SHIELD_TLS_KEY: expected the private key of SHIELD_TLS_CERT/,
    );
    expect((await requestOn(await open(p.shield.url), '/v/a.ts')).status).toBe(200);
  });

  it('refuses to start when a certificate file is unreadable, naming the key', async () => {
    const config = shieldConfig({
      SHIELD_TLS_CERT: `${ca.dir}/missing.pem`,
      SHIELD_TLS_KEY: server.keyPath,
      SHIELD_TLS_CLIENT_CA: `${ca.dir}/missing-ca.pem`,
    });
    await expect(startShield(config, { logger: silentLogger })).rejects.toThrow(
      /SHIELD_TLS_CERT: expected a readable PEM file, got ".*missing\.pem" \(ENOENT\).*SHIELD_TLS_CLIENT_CA: expected a readable PEM file/,
    );
  });

  it('lets go of clients that close mid-handshake or refuse its certificate, so close() is not held', async () => {
    // A long header deadline (which also bounds handshakes): only noticing the client's close frees these.
    const p = await tlsPair({ SHIELD_HEADERS_TIMEOUT_MS: '60000', SHIELD_REQUEST_TIMEOUT_MS: '60000' });
    const gone = await open(p.shield.url);
    gone.destroy(); // right after its side of the handshake, before the server's side may be done
    await open(p.shield.url, { ca: undefined }).catch(() => undefined); // refuses the shield's certificate
    const closed = p.close().then(() => 'closed');
    pairs.splice(pairs.indexOf(p), 1);
    const held = new Promise((resolve) => setTimeout(resolve, 5_000, 'held by a half-made connection'));
    expect(await Promise.race([closed, held])).toBe('closed');
  });

  it('the shield process reloads its certificates on SIGHUP', async () => {
    const files = ca.issue('process', 'server');
    const child = spawn(process.execPath, [MAIN], {
      env: {
        PATH: process.env.PATH ?? '',
        SHIELD_PORT: '0',
        SHIELD_AUTH: 'off',
        SHIELD_UPSTREAMS: 'http://127.0.0.1:9',
        SHIELD_TLS_CERT: files.certPath,
        SHIELD_TLS_KEY: files.keyPath,
      },
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    try {
      let output = '';
      child.stdout?.on('data', (c: Buffer) => {
        output += c.toString();
      });
      // A cold start of a primary and its workers: about a second idle, many on a loaded CI box.
      await until(() => output.includes('"msg":"listening"'), 30_000);
      const url = /"url":"([^"]+)"/.exec(output)?.[1] ?? '';
      expect(url).toMatch(/^https:\/\//);
      const oldSerial = serialOf(await open(url));
      const next = ca.issue('process-next', 'server');
      copyFileSync(next.certPath, files.certPath);
      copyFileSync(next.keyPath, files.keyPath);
      child.kill('SIGHUP');
      // Every worker reloads on its own (the primary forwards the SIGHUP), and the next connection may
      // land on any of them: wait for all, not the first (SHIELD_WORKERS is auto: 2 on a 2-core box).
      const lines = (msg: string) => output.split('\n').filter((l) => l.includes(`"msg":"${msg}"`)).length;
      const workers = Math.max(1, lines('worker listening'));
      await until(() => lines('tls certificates reloaded') >= workers, 30_000);
      const after = await open(url);
      expect(serialOf(after)).not.toBe(oldSerial);
      expect((await requestOn(after, '/healthz')).status).toBe(200);
    } finally {
      child.kill('SIGKILL');
    }
  }, 90_000);

  it('answers plain-HTTP shields with reloadTls() === false', async () => {
    const p = await startPair();
    pairs.push(p);
    expect(await p.shield.reloadTls()).toBe(false);
  });
});
