/**
 * A cluster worker's view of the host config: its slot, the host's peer secret, and its share of
 * every host-wide byte bound, so the host as a whole stays within what the operator configured
 * (SHIELD_CACHE_BYTES, SHIELD_INFLIGHT_BYTES, SHIELD_DISK_BYTES, SHIELD_MAX_CONNECTIONS). Pure: no I/O, no `process.env`
 * (main.ts passes the environment in).
 */
import { join } from 'node:path';
import type { ShieldConfig, ShieldEnv } from '../config.ts';

/** Environment keys the primary sets on each worker it forks (internal, not operator config). */
export const WORKER_ENV = Object.freeze({
  slot: 'EDGESHIELD_WORKER_SLOT',
  secret: 'EDGESHIELD_PEER_SECRET',
  /** The port every worker binds (slot 0 picks it when SHIELD_PORT is 0; the rest follow). */
  port: 'EDGESHIELD_WORKER_PORT',
});

/** Who this worker is within the host. */
export interface WorkerIdentity {
  readonly slot: number;
  readonly secret: string;
  /** The public port to bind; undefined = SHIELD_PORT as configured. */
  readonly port: number | undefined;
}

/**
 * The identity the primary gave this worker, or `undefined` when the environment lacks it.
 *
 * @example readWorkerIdentity(process.env, 4) // { slot: 2, secret: '…' }
 */
export function readWorkerIdentity(env: ShieldEnv, workers: number): WorkerIdentity | undefined {
  const slot = Number(env[WORKER_ENV.slot]);
  const secret = env[WORKER_ENV.secret];
  if (!Number.isSafeInteger(slot) || slot < 0 || slot >= workers || secret === undefined || secret === '')
    return undefined;
  const port = Number(env[WORKER_ENV.port]);
  return { slot, secret, port: Number.isSafeInteger(port) && port > 0 && port < 65536 ? port : undefined };
}

/**
 * The config one worker runs with: 1/N of each host-wide byte bound (in-flight: at least the largest
 * object), and its own disk directory
 * (`<dir>/worker-<slot>`; a replacement worker takes over the same slot and so the same files).
 *
 * @example workerConfig(config, { slot: 1, secret, port: 8081 }).cacheBytes // config.cacheBytes / config.workers, rounded down
 */
export function workerConfig(config: ShieldConfig, identity: WorkerIdentity): ShieldConfig {
  const n = config.workers;
  const slot = identity.slot;
  return Object.freeze({
    ...config,
    port: identity.port ?? config.port,
    cacheBytes: Math.floor(config.cacheBytes / n),
    // The largest storable object must fit in one worker's share, or it would be a BYPASS on every
    // fill on a many-core host. In-flight bytes are transient (released when the fill completes), so
    // the per-worker bound is max(1/N, SHIELD_MAX_OBJECT_BYTES), not a strict host-wide split.
    inflightBytes: Math.max(65_536, config.maxObjectBytes, Math.floor(config.inflightBytes / n)),
    // A host-wide cap; the kernel spreads connections evenly on average, so each worker takes 1/N.
    limits: { ...config.limits, maxConnections: Math.ceil(config.limits.maxConnections / n) },
    disk:
      config.disk === undefined
        ? undefined
        : { dir: join(config.disk.dir, `worker-${slot}`), maxBytes: Math.floor(config.disk.maxBytes / n) },
  });
}
