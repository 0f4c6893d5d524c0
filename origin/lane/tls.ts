/**
 * HTTPS for the shield's listener (issue 12): `SHIELD_TLS_CERT` / `SHIELD_TLS_KEY` make it a
 * tls.Server whose TLSSocket connections go to the same `accept` as plain TCP ones (listener.ts), so
 * the fast lane and the bridge into Node's server run unchanged on them. `SHIELD_TLS_CLIENT_CA`
 * requires a client certificate issued by that CA (mTLS, e.g. Cloudflare Authenticated Origin
 * Pulls). `reload()` re-reads the files and swaps the context for new connections
 * (`server.setSecureContext`); connections already open keep theirs. Must not parse HTTP.
 */
import { readFile } from 'node:fs/promises';
import { createSecureContext, createServer as createTlsServer, type TlsOptions } from 'node:tls';
import { shown } from '../../src/core/config/issue.ts';
import { type ConfigIssue, formatConfigIssue } from '../config.ts';
import type { TlsFiles } from '../config-listener.ts';
import { errorFields, type Logger } from '../log.ts';
import { createAccept, type ListenerOptions, type ShieldListener, withServer } from './listener.ts';

/** The PEM contents, ready for a secure context. */
export interface TlsMaterial {
  readonly cert: Buffer;
  readonly key: Buffer;
  readonly ca: Buffer | undefined;
}

/** A TLS file that cannot be read or used; `issues` name the keys (`formatConfigIssue`). */
export class TlsConfigError extends Error {
  readonly issues: readonly ConfigIssue[];

  constructor(issues: readonly ConfigIssue[]) {
    super(`invalid TLS configuration: ${issues.map(formatConfigIssue).join('; ')}`);
    this.name = 'TlsConfigError';
    this.issues = issues;
  }
}

/**
 * Reads the certificate, key and client CA and checks they make a secure context (a key that does
 * not match its certificate is caught here, at startup or reload, not at the first handshake).
 *
 * @example const material = await loadTlsMaterial(config.tls);
 */
export async function loadTlsMaterial(files: TlsFiles): Promise<TlsMaterial> {
  const issues: ConfigIssue[] = [];
  const read = async (key: string, path: string): Promise<Buffer | undefined> => {
    try {
      return await readFile(path);
    } catch (e) {
      const code = (e as { code?: unknown }).code;
      issues.push({ key, expected: 'a readable PEM file', got: `${shown(path)} (${String(code ?? e)})` });
      return undefined;
    }
  };
  const [cert, key, ca] = await Promise.all([
    read('SHIELD_TLS_CERT', files.certPath),
    read('SHIELD_TLS_KEY', files.keyPath),
    files.clientCaPath === undefined ? undefined : read('SHIELD_TLS_CLIENT_CA', files.clientCaPath),
  ]);
  // Reads finish in any order; report in key order so the message is the same every time.
  const order = ['SHIELD_TLS_CERT', 'SHIELD_TLS_KEY', 'SHIELD_TLS_CLIENT_CA'];
  issues.sort((a, b) => order.indexOf(a.key) - order.indexOf(b.key));
  if (cert === undefined || key === undefined || issues.length > 0) throw new TlsConfigError(issues);
  const material = { cert, key, ca };
  try {
    createSecureContext(contextOptions(material));
  } catch (e) {
    const reason = e instanceof Error ? e.message : String(e);
    throw new TlsConfigError([
      { key: 'SHIELD_TLS_KEY', expected: 'the private key of SHIELD_TLS_CERT, both PEM', got: reason },
    ]);
  }
  return material;
}

/** A listener serving HTTPS, with certificate reload. */
export interface TlsListener extends ShieldListener {
  /** Re-reads the files; new connections use them, open ones keep theirs. Rejects (old files kept) with TlsConfigError. */
  reload(): Promise<void>;
}

/**
 * Builds the HTTPS listener. The TLS handshake gets the header deadline: a client that opens a
 * connection and stalls its handshake is cut like one that stalls its request head.
 *
 * @example const listener = createTlsListener(options, config.tls, await loadTlsMaterial(config.tls), 10_000);
 */
export function createTlsListener(
  options: ListenerOptions,
  files: TlsFiles,
  material: TlsMaterial,
  handshakeTimeoutMs: number,
): TlsListener {
  const accept = createAccept(options);
  const server = createTlsServer(
    {
      ...contextOptions(material),
      handshakeTimeout: handshakeTimeoutMs,
      // Half-open only once the handshake is done (below): with it on from the start, Node (22) does
      // not notice a client that closes mid-handshake, and the connection outlives every deadline.
      allowHalfOpen: false,
      noDelay: true,
      ALPNProtocols: ['http/1.1'],
    },
    (socket) => {
      // As on plain TCP: a client that half-closes after its request still gets the response.
      socket.allowHalfOpen = true;
      accept(socket);
    },
  );
  // A failed or timed-out handshake (no client certificate under mTLS, a stalled client): nothing
  // was served, so the socket goes now rather than whenever the client closes it.
  server.on('tlsClientError', (_error, socket) => socket.destroy());
  return Object.assign(withServer(server, accept), {
    async reload() {
      server.setSecureContext(contextOptions(await loadTlsMaterial(files)));
    },
  });
}

/**
 * Reloads the certificates on SIGHUP (each process that runs a shield calls this once; a process
 * supervising several forwards SIGHUP to them). A reload that fails keeps the old certificates.
 *
 * @example reloadTlsOnSighup(shield, logger);
 */
export function reloadTlsOnSighup(shield: { reloadTls(): Promise<boolean> }, logger: Logger): void {
  process.on('SIGHUP', () => {
    shield.reloadTls().then(
      (reloaded) => {
        if (reloaded) logger.info('tls certificates reloaded');
      },
      (e: unknown) => logger.error('tls reload failed, keeping the previous certificates', errorFields(e)),
    );
  });
}

function contextOptions(material: TlsMaterial): TlsOptions {
  const { cert, key, ca } = material;
  // mTLS: no certificate from the configured CA, no handshake (Node then never sees the connection).
  return ca === undefined ? { cert, key } : { cert, key, ca, requestCert: true, rejectUnauthorized: true };
}
