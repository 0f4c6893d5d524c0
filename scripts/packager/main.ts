/**
 * CLI entry of the dev packager (`npm run packager`): the only reader of process.env here.
 * Parses PACKAGER_* once, makes the sample media when serving the default directory, starts the
 * server and shuts it down gracefully on SIGINT/SIGTERM.
 *
 * Exit codes: 0 clean shutdown, 1 runtime failure, 2 ffmpeg missing, 78 bad configuration.
 */
import path from 'node:path';
import { CodedError } from '../../src/core/errors.ts';
import { ensureMedia } from '../media/make-media.ts';
import { formatConfigIssue, parsePackagerConfig } from './config.ts';
import { startPackager } from './server.ts';

const REPO_ROOT = path.resolve(import.meta.dirname, '..', '..');
const DEFAULT_ROOT = path.join(REPO_ROOT, '.media');
const EX_CONFIG = 78;

async function main(): Promise<number | undefined> {
  const parsed = parsePackagerConfig(process.env, { defaultRoot: DEFAULT_ROOT });
  if (!parsed.ok) {
    const lines = parsed.error.map((issue) => `  ${formatConfigIssue(issue)}`);
    process.stderr.write(`packager: refusing to start, bad configuration:\n${lines.join('\n')}\n`);
    return EX_CONFIG;
  }
  const config = parsed.value;
  if (config.root === DEFAULT_ROOT) {
    try {
      const info = await ensureMedia(config.root, {
        log: (line) => process.stdout.write(`packager: ${line}\n`),
      });
      if (info.generated) {
        process.stdout.write(`packager: media generated in ${(info.elapsedMs / 1000).toFixed(1)} s\n`);
      }
    } catch (error) {
      const code = error instanceof CodedError ? error.code : 'PACKAGER_ERR_FFMPEG_FAILED';
      process.stderr.write(`packager: ${code}: ${error instanceof Error ? error.message : String(error)}\n`);
      return code === 'PACKAGER_ERR_FFMPEG_MISSING' ? 2 : 1;
    }
  }
  const packager = await startPackager(config);
  process.stdout.write(
    `packager listening on ${packager.url} (root ${config.root}, live window ${config.liveWindow})\n`,
  );

  let stopping = false;
  const stop = (signal: NodeJS.Signals) => {
    if (stopping) {
      // A second Ctrl-C means "now".
      process.exit(1);
    }
    stopping = true;
    process.stdout.write(`packager: ${signal}, shutting down\n`);
    packager.close().then(
      () => process.exit(0),
      (error: unknown) => {
        process.stderr.write(`packager: close failed: ${String(error)}\n`);
        process.exit(1);
      },
    );
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
  return undefined;
}

const code = await main();
if (code !== undefined) process.exitCode = code;
