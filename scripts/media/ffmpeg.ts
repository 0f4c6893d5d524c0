/**
 * Runs ffmpeg / ffprobe as child processes and turns their failures into coded errors.
 *
 * Must not parse media or decide what to encode (make-media.ts does); this only spawns, bounds the
 * run with a timeout, and keeps the tail of stderr so a failure says what ffmpeg said.
 */
import { spawn } from 'node:child_process';
import { PackagerError } from '../packager/errors.ts';

/** How to install ffmpeg, shown whenever it is missing. */
export const FFMPEG_INSTALL_HINT =
  'ffmpeg (with ffprobe) is required to make the sample media. Install it:\n' +
  '  Debian/Ubuntu: sudo apt-get install -y --no-install-recommends ffmpeg\n' +
  '  macOS:         brew install ffmpeg';

const STDERR_TAIL_BYTES = 4_000;
const DEFAULT_TIMEOUT_MS = 300_000;

export interface RunOptions {
  readonly cwd?: string;
  readonly timeoutMs?: number;
}

/**
 * Runs `bin args…` and resolves with its stdout. Throws PACKAGER_ERR_FFMPEG_MISSING when the binary
 * is not on PATH and PACKAGER_ERR_FFMPEG_FAILED (stderr tail in the message) on a non-zero exit or
 * timeout.
 *
 * @example await runTool('ffprobe', ['-v', 'error', '-of', 'json', '-show_streams', 'a.ts'])
 */
export function runTool(bin: string, args: readonly string[], options: RunOptions = {}): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(bin, args, { cwd: options.cwd, stdio: ['ignore', 'pipe', 'pipe'] });
    // Our own timer, not spawn's `timeout`: that one outlives a spawn that failed with ENOENT and
    // keeps the process alive until it fires.
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill('SIGKILL');
    }, options.timeoutMs ?? DEFAULT_TIMEOUT_MS);
    const stdout: Buffer[] = [];
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => stdout.push(chunk));
    child.stderr.on('data', (chunk: Buffer) => {
      // Keep only the tail: ffmpeg can print megabytes of progress, the error is at the end.
      stderr = (stderr + chunk.toString('utf8')).slice(-STDERR_TAIL_BYTES);
    });
    child.on('error', (error: NodeJS.ErrnoException) => {
      clearTimeout(timer);
      if (error.code === 'ENOENT') {
        reject(
          new PackagerError(
            'PACKAGER_ERR_FFMPEG_MISSING',
            `${bin} not found on PATH.\n${FFMPEG_INSTALL_HINT}`,
            { cause: error },
          ),
        );
      } else {
        reject(
          new PackagerError('PACKAGER_ERR_FFMPEG_FAILED', `${bin} could not start: ${error.message}`, {
            cause: error,
          }),
        );
      }
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      if (code === 0) {
        resolve(Buffer.concat(stdout).toString('utf8'));
        return;
      }
      const how = timedOut ? 'timed out' : signal === null ? `exit code ${code}` : `signal ${signal}`;
      const tail = stderr.trim() === '' ? '(no stderr)' : stderr.trim();
      reject(new PackagerError('PACKAGER_ERR_FFMPEG_FAILED', `${bin} failed (${how}):\n${tail}`));
    });
  });
}

/** Throws PACKAGER_ERR_FFMPEG_MISSING unless both ffmpeg and ffprobe start. */
export async function assertFfmpegInstalled(): Promise<void> {
  await runTool('ffmpeg', ['-hide_banner', '-version'], { timeoutMs: 20_000 });
  await runTool('ffprobe', ['-hide_banner', '-version'], { timeoutMs: 20_000 });
}
