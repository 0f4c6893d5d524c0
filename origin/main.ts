/**
 * Shield process entry (`node origin/main.ts`, `npm run shield`): the only reader of `process.env`.
 *
 * Parses config once (refusing to start, exit 2, on any issue), starts the server, and on SIGTERM or
 * SIGINT stops accepting, lets in-flight requests finish (bounded) and exits 0; SIGHUP reloads the TLS
 * certificates. Must not hold request logic: that lives in server.ts so tests run it in-process.
 */
import { formatConfigIssue, parseShieldConfig } from './config.ts';
import { reloadTlsOnSighup } from './lane/tls.ts';
import { createLogger, errorFields } from './log.ts';
import { startShield } from './server.ts';

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

try {
  const shield = await startShield(config, { logger });
  logger.info('listening', {
    url: shield.url,
    upstreams: config.upstreams,
    auth: config.sharedSecret !== undefined,
  });
  let stopping = false;
  const stop = (signal: NodeJS.Signals): void => {
    if (stopping) return;
    stopping = true;
    logger.info('shutting down', { signal });
    shield.close().then(
      () => {
        logger.info('stopped');
        process.exit(0);
      },
      (e: unknown) => {
        logger.error('shutdown failed', errorFields(e));
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
  reloadTlsOnSighup(shield, logger);
} catch (e) {
  logger.error('failed to start', errorFields(e));
  process.exit(1);
}
