/**
 * Shield process entry (`node origin/main.ts`, `npm run shield`; production runs its build, `node
 * dist/shield/origin/main.js`, from `npm run build:shield`): the only reader of `process.env`.
 *
 * Parses config once (refusing to start, exit 2, on any issue), starts the server, and on SIGTERM or
 * SIGINT stops accepting, lets in-flight requests finish (bounded) and exits 0; SIGHUP reloads the TLS
 * certificates (the primary passes it on to every ready worker) and is ignored while starting. With SHIELD_WORKERS
 * > 1 this process is the node:cluster primary (cluster/primary.ts) and each forked copy of it a
 * worker running the server with its slot's share of the host (cluster/worker-config.ts); with 1 it
 * is the server itself, as before. Must not hold request logic: that lives in server.ts so tests
 * run it in-process.
 */
import cluster from 'node:cluster';
import { formatConfigIssue, parseShieldConfig, type ShieldConfig } from './config.ts';
import { createLogger, errorFields, type Logger } from './log.ts';

// First thing: Node's default for SIGHUP is to exit, so one sent while this process starts (a cert
// renewal hook, logrotate) would kill it. Until the role that owns reloads sets it, a SIGHUP is a no-op.
let onSighup: () => void = () => {};
process.on('SIGHUP', () => onSighup());

const write = (line: string): void => {
  process.stdout.write(line);
};

const parsed = parseShieldConfig(process.env);
if (!parsed.ok) {
  const issues = parsed.error.map(formatConfigIssue);
  createLogger('error', write).error('invalid configuration', { issues });
  process.stderr.write(`edgeshield shield: invalid configuration\n${issues.map((i) => `  ${i}\n`).join('')}`);
  process.exit(2);
}
const config = parsed.value;
const logger = createLogger(config.logLevel, write);

process.on('unhandledRejection', (reason) => {
  logger.error('unhandled rejection', errorFields(reason));
});

/** Runs `start`, then stops on SIGTERM/SIGINT (and `extraStop`), exiting 0 when the stop was clean. */
async function serve(
  start: () => Promise<{ readonly url: string; stop(): Promise<boolean> }>,
  fields: Readonly<Record<string, unknown>>,
  quiet = false,
): Promise<() => void> {
  let stopping = false;
  const stop = (signal: string): void => {
    if (stopping) return;
    stopping = true;
    if (!quiet) logger.info('shutting down', { signal });
    running.stop().then(
      (clean) => {
        if (!quiet) logger.info('stopped');
        process.exit(clean ? 0 : 1);
      },
      (e: unknown) => {
        logger.error('shutdown failed', errorFields(e));
        process.exit(1);
      },
    );
  };
  let running: Awaited<ReturnType<typeof start>>;
  try {
    running = await start();
  } catch (e) {
    logger.error('failed to start', errorFields(e));
    process.exit(1);
  }
  if (!quiet) logger.info('listening', { url: running.url, ...fields });
  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGINT', () => stop('SIGINT'));
  return () => stop('primary');
}

const fields = { upstreams: config.upstreams, auth: config.sharedSecret !== undefined };
// Each role imports only what it runs: a cluster primary serves no request, so it never loads the
// server (undici, the lane, the routes): ~25 MiB of RSS it would hold for nothing (README "All cores").
if (config.workers === 1) {
  const { startShield } = await import('./server.ts');
  const { reloadTlsOnSighup } = await import('./lane/tls.ts');
  await serve(async () => {
    const shield = await startShield(config, { logger });
    reloadTlsOnSighup(shield, logger);
    return { url: shield.url, stop: () => shield.close().then(() => true) };
  }, fields);
} else if (cluster.isPrimary) {
  // Certificates are read by each worker: the primary passes a reload on to the ready ones (a worker
  // still starting reads the current files anyway).
  const { startPrimary } = await import('./cluster/primary.ts');
  await serve(
    () =>
      startPrimary(config, logger, {
        onReload: (forward) => {
          onSighup = forward;
        },
      }),
    { ...fields, workers: config.workers },
  );
} else {
  await serveWorker(config, logger);
}

/** A cluster worker: the server with its slot's share, linked to the primary; stops when told. */
async function serveWorker(host: ShieldConfig, log: Logger): Promise<void> {
  const { readWorkerIdentity, workerConfig } = await import('./cluster/worker-config.ts');
  const { createWorkerLink, processChannel } = await import('./cluster/worker-link.ts');
  const { startShield } = await import('./server.ts');
  const { reloadTlsOnSighup } = await import('./lane/tls.ts');
  const identity = readWorkerIdentity(process.env, host.workers);
  if (identity === undefined) {
    log.error('cluster worker started without its slot and peer secret');
    process.exit(2);
  }
  const own = workerConfig(host, identity);
  const link = createWorkerLink(processChannel(), {
    slot: identity.slot,
    secret: identity.secret,
    slots: host.workers,
    logger: log,
    now: Date.now,
  });
  // Listen for es:stop before starting: one sent while this worker starts must still stop it.
  let stopWorker: (() => void) | undefined;
  let stopAsked = false;
  process.on('message', (m: unknown) => {
    if (typeof m === 'object' && m !== null && (m as { t?: unknown }).t === 'es:stop') {
      stopAsked = true;
      stopWorker?.();
    }
  });
  stopWorker = await serve(
    async () => {
      const shield = await startShield(own, {
        logger: log,
        cluster: link,
        ...(own.egressLog === undefined ? {} : { egressSink: link.egressSink }),
      });
      reloadTlsOnSighup(shield, log);
      return {
        url: shield.url,
        stop: async () => {
          await shield.close();
          await link.close();
          return true;
        },
      };
    },
    {},
    true,
  );
  if (stopAsked) stopWorker();
}
