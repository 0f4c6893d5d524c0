/**
 * The media server's egress ledger sink: one NDJSON line per ended session (RTC_EGRESS_LOG), in
 * the egress record shape the finance CLI reads. Appends are serialised so lines never interleave;
 * `close` waits for the last one. A failed write is logged, never thrown at a session.
 */
import { appendFile } from 'node:fs/promises';
import type { EgressRecord } from '../../src/core/ledger/record.ts';
import type { Logger } from '../log.ts';

export interface LedgerSink {
  write(record: EgressRecord): void;
  close(): Promise<void>;
}

/** `-` writes to stdout; a path is appended to; undefined discards. */
export function createLedgerSink(target: string | undefined, logger: Logger): LedgerSink {
  let chain: Promise<void> = Promise.resolve();
  return {
    write(record) {
      if (target === undefined) return;
      const line = `${JSON.stringify(record)}\n`;
      if (target === '-') {
        process.stdout.write(line);
        return;
      }
      chain = chain
        .then(() => appendFile(target, line))
        .catch((e: unknown) => logger.error('ledger write failed', { target, error: String(e) }));
    },
    close: () => chain,
  };
}
