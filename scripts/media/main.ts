/**
 * CLI: make the sample HLS media. `node scripts/media/main.ts [--out DIR] [--force]`.
 *
 * Exit codes: 0 done (or already there), 1 generation failed, 2 ffmpeg missing, 64 bad arguments.
 * Must not contain generation logic (make-media.ts does).
 */
import path from 'node:path';
import { CodedError } from '../../src/core/errors.ts';
import { parseCliArgs } from '../cli-args.ts';
import { ensureMedia } from './make-media.ts';

const REPO_ROOT = path.resolve(import.meta.dirname, '..', '..');
const USAGE = 'usage: node scripts/media/main.ts [--out DIR] [--force]';

async function main(): Promise<number> {
  const { values } = parseCliArgs('media', USAGE, {
    options: {
      out: { type: 'string' },
      force: { type: 'boolean' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help === true) {
    process.stdout.write(`${USAGE}\n`);
    return 0;
  }
  const out = path.resolve(values.out ?? path.join(REPO_ROOT, '.media'));
  try {
    const info = await ensureMedia(out, {
      force: values.force === true,
      log: (line) => process.stdout.write(`${line}\n`),
    });
    const what = info.generated ? `generated in ${(info.elapsedMs / 1000).toFixed(1)} s` : 'already complete';
    process.stdout.write(
      `media ${what}: ${info.dir}\n` +
        `  ${info.renditions.map((r) => `${r.name} ${r.width}x${r.height} ${r.bandwidth} b/s`).join(', ')}\n` +
        `  ${info.segmentCount} × ${info.segmentDuration} s segments (${info.totalDuration} s), flavours ${info.flavours.join(', ')}\n`,
    );
    return 0;
  } catch (error) {
    if (error instanceof CodedError) {
      process.stderr.write(`${error.code}: ${error.message}\n`);
      return error.code === 'PACKAGER_ERR_FFMPEG_MISSING' ? 2 : 1;
    }
    process.stderr.write(`media generation failed: ${String(error)}\n`);
    return 1;
  }
}

process.exitCode = await main();
