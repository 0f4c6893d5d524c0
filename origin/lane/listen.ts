/**
 * Opens the shield's listening socket: plain TCP (listener.ts) or HTTPS (tls.ts, when the config has
 * certificate files), bound to SHIELD_HOST:SHIELD_PORT. Kept out of server.ts so the server only says
 * what answers requests. Must not read certificate files (the caller loaded them before opening
 * anything else) and must not handle requests.
 */
import type { AddressInfo, Server as NetServer } from 'node:net';
import type { ShieldConfig } from '../config.ts';
import { createListener, type ListenerOptions } from './listener.ts';
import { createTlsListener, type TlsMaterial } from './tls.ts';

/** A bound listener. */
export interface OpenListener {
  readonly server: NetServer;
  /** `http(s)://host:port` */
  readonly url: string;
  readonly port: number;
  /** Re-reads the certificate files (HTTPS); false when TLS is off. See RunningShield.reloadTls. */
  reloadTls(): Promise<boolean>;
}

/**
 * Builds and binds the listener; rejects if the address cannot be bound.
 *
 * @example const listener = await openListener(config, { http, lane, maxConnections, lingerMs, onRefused }, material);
 */
export async function openListener(
  config: Pick<ShieldConfig, 'host' | 'port' | 'tls' | 'limits'>,
  options: ListenerOptions,
  material: TlsMaterial | undefined,
  /** Cluster workers each bind the port themselves (SO_REUSEPORT; README "All cores"). */
  reusePort = false,
): Promise<OpenListener> {
  const tls =
    config.tls &&
    material &&
    createTlsListener(options, config.tls, material, config.limits.headersTimeoutMs);
  const { server } = tls ?? createListener(options);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    // `exclusive`: a cluster worker binds its own socket instead of asking the primary for a shared one,
    // so the kernel spreads connections and none passes through the primary.
    const shared = reusePort ? { reusePort: true, exclusive: true } : {};
    server.listen({ port: config.port, host: config.host, ...shared }, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const port = (server.address() as AddressInfo).port;
  const host = config.host.includes(':') ? `[${config.host}]` : config.host;
  return {
    server,
    url: `${tls ? 'https' : 'http'}://${host}:${port}`,
    port,
    async reloadTls() {
      if (tls === undefined) return false;
      await tls.reload();
      return true;
    },
  };
}
