/**
 * The cluster primary's egress sink: the single writer of the NDJSON lines every worker sends.
 *
 * Workers batch whole lines over IPC (worker-link.ts); here they are appended to the file, or to
 * stdout in pieces of at most PIPE_BUF bytes cut at line ends, so a worker's own log line written to
 * the same pipe can fall between two records but never inside one. Must not parse or reorder lines
 * and must not grow without bound: past `maxBufferedBytes` of backlog a batch is dropped, counted and
 * logged once per burst.
 */
import { createWriteStream } from 'node:fs';
import type { Writable } from 'node:stream';
import type { Logger } from '../log.ts';

/** Linux PIPE_BUF: a write to a pipe up to this size is never interleaved with another process's. */
const PIPE_BUF = 4096;

/** Where the host's egress lines go. */
export interface EgressWriter {
  /** Whole lines, each ending in `\n`. */
  write(lines: string): void;
  /** Resolves once everything written has reached the sink (closes a file sink). */
  close(): Promise<void>;
}

/**
 * Opens `-` (stdout) or a file path (appended).
 *
 * @example const writer = openEgressWriter('/var/log/shield.ndjson', logger); writer.write('{"ts":1}\n');
 */
export function openEgressWriter(
  target: string,
  logger: Logger,
  maxBufferedBytes = 16 * 1024 * 1024,
): EgressWriter {
  const toStdout = target === '-';
  const out: Writable = toStdout ? process.stdout : createWriteStream(target, { flags: 'a' });
  let dropped = 0;
  let failed = false;
  out.on('error', (e: unknown) => {
    if (!failed) logger.warn('egress sink failed; records are dropped from now on', { error: String(e) });
    failed = true;
  });
  return {
    write(lines) {
      if (failed || out.writableLength > maxBufferedBytes) {
        if (dropped++ === 0) logger.warn('egress records dropped (sink backlog)', { maxBufferedBytes });
        return;
      }
      dropped = 0;
      if (!toStdout) {
        out.write(lines);
        return;
      }
      for (const piece of pipePieces(lines)) out.write(piece);
    },
    async close() {
      if (toStdout) {
        if (out.writableLength > 0) await new Promise((resolve) => out.once('drain', resolve));
        return;
      }
      await new Promise<void>((resolve) => out.end(resolve));
    },
  };
}

/**
 * Cuts whole lines into pieces of at most PIPE_BUF bytes (a longer single line stays whole).
 *
 * @example pipePieces('a\nb\n') // ['a\nb\n']
 */
export function pipePieces(lines: string): string[] {
  if (Buffer.byteLength(lines) <= PIPE_BUF) return [lines];
  const pieces: string[] = [];
  let current = '';
  let currentBytes = 0;
  for (const line of lines.split(/(?<=\n)/)) {
    const bytes = Buffer.byteLength(line);
    if (currentBytes + bytes > PIPE_BUF && current !== '') {
      pieces.push(current);
      current = '';
      currentBytes = 0;
    }
    current += line;
    currentBytes += bytes;
  }
  if (current !== '') pieces.push(current);
  return pieces;
}
