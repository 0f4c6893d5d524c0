/**
 * RTC media server entry (`node origin/rtc/main.ts`, `npm run rtc`): the only reader of
 * `process.env` for this service. Parses config once (exit 2 on any issue), starts the server, and
 * on SIGTERM/SIGINT ends every session (writing their ledger records, and pushing them to
 * RTC_USAGE_URL for up to 3 s), stops ffmpeg and exits 0. An
 * uncaught exception is logged (stack to the log only), every session ends as `failed` with its
 * record written synchronously, ffmpeg is told to stop, and the process exits 1.
 */
import { createLogger, errorFields } from '../log.ts';
import { formatConfigIssue, parseRtcConfig } from './config.ts';
import { startRtcServer } from './server.ts';

const parsed = parseRtcConfig(process.env);
if (!parsed.ok) {
  const issues = parsed.error.map(formatConfigIssue);
  process.stderr.write(`edgeshield rtc: invalid configuration\n${issues.map((i) => `  ${i}\n`).join('')}`);
  process.exit(2);
}
const config = parsed.value;
const logger = createLogger(config.logLevel, (line) => process.stdout.write(line));
process.on('unhandledRejection', (reason) => logger.error('unhandled rejection', errorFields(reason)));

let server: Awaited<ReturnType<typeof startRtcServer>>;
try {
  server = await startRtcServer({ config, logger });
} catch (e) {
  logger.error('failed to start', errorFields(e));
  process.exit(1);
}
logger.info('listening', {
  url: server.url,
  auth: config.sharedSecret !== undefined,
  sampleStream: config.sampleStream ?? null,
  usageUrl: config.usageUrl ?? null,
});
process.on('uncaughtException', (e) => {
  logger.error('uncaught exception: ending every session and exiting', errorFields(e));
  try {
    server.abort();
  } finally {
    process.exit(1);
  }
});
let stopping = false;
for (const signal of ['SIGTERM', 'SIGINT'] as const) {
  process.on(signal, () => {
    if (stopping) return;
    stopping = true;
    logger.info('shutting down', { signal });
    server.stop().then(
      () => process.exit(0),
      (e: unknown) => {
        logger.error('shutdown failed', errorFields(e));
        process.exit(1);
      },
    );
  });
}
