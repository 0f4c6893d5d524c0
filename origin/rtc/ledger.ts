/**
 * The media server's egress ledger sink: one NDJSON line per ended session (RTC_EGRESS_LOG), in
 * the egress record shape the finance CLI reads. Appends are serialised so lines never interleave;
 * `close` waits for the last one. A failed write is logged, never thrown at a session.
 * `goSync` is for a dying process: queued and later lines are written before it returns.
 */
import { appendFileSync } from 'node:fs';
import { appendFile } from 'node:fs/promises';
import type { EgressRecord } from '../../src/core/ledger/record.ts';
import type { Logger } from '../log.ts';

export interface LedgerSink {
  write(record: EgressRecord): void;
  close(): Promise<void>;
  /** Writes every queued line now and every later one synchronously (the process is about to exit). */
  goSync(): void;
}

/** `-` writes to stdout; a path is appended to; undefined discards. */
export function createLedgerSink(target: string | undefined, logger: Logger): LedgerSink {
  let chain: Promise<void> = Promise.resolve();
  /** Lines not yet handed to an appendFile: a crash can still write these. */
  let queued: string[] = [];
  let sync = false;
  const writeSync = (text: string): void => {
    try {
      if (target === '-') process.stdout.write(text);
      else if (target !== undefined) appendFileSync(target, text);
    } catch (e) {
      logger.error('ledger write failed', { target, error: String(e) });
    }
  };
  return {
    write(record) {
      if (target === undefined) return;
      const line = `${JSON.stringify(record)}\n`;
      if (target === '-' || sync) {
        writeSync(line);
        return;
      }
      queued.push(line);
      chain = chain
        .then(() => {
          const text = queued.join('');
          queued = [];
          return text === '' ? undefined : appendFile(target, text);
        })
        .catch((e: unknown) => logger.error('ledger write failed', { target, error: String(e) }));
    },
    close: () => chain,
    goSync() {
      sync = true;
      const text = queued.join('');
      queued = [];
      if (text !== '') writeSync(text);
    },
  };
}
