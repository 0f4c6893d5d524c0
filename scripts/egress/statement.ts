/**
 * `npm run egress -- statement --from FILE|DIR|d1 --tenant ID --month YYYY-MM [--prices PRESET|FILE]
 * [--format csv|html] [--out FILE] [--d1-persist-to DIR]`: a tenant's monthly statement (issue 15).
 * The tenant's own table comes from `npm run admin -- price-table get <tenant> > FILE`.
 * Exit codes as the report: 0 written, 1 I/O failure, 64 bad usage, 65 bad price table.
 */
import { parseArgs } from 'node:util';
import type { PriceTable } from '../../src/core/ledger/price-table.ts';
import { DEFAULT_PRICE_PRESET } from '../../src/core/ledger/prices/index.ts';
import { buildStatement } from '../../src/core/ledger/statement.ts';
import type { LoadedLedger } from './read-ledger.ts';
import { renderStatementCsv, renderStatementHtml } from './render-statement.ts';

export const STATEMENT_USAGE = `usage: npm run egress -- statement --from FILE|DIR|d1 --tenant ID --month YYYY-MM
         [--prices PRESET|FILE] [--format csv|html] [--out FILE] [--d1-persist-to DIR]`;

export interface StatementIo {
  loadPrices(spec: string): Promise<PriceTable | string[]>;
  loadLedger(from: string, d1PersistTo?: string): Promise<LoadedLedger>;
  write(text: string, out: string | undefined): Promise<void>;
  err(text: string): void;
}

/** @example process.exitCode = await runStatement(['statement', '--from', 'd1', …], io) */
export async function runStatement(argv: readonly string[], io: StatementIo): Promise<number> {
  let values: Record<string, string | boolean | undefined>;
  try {
    values = parseArgs({
      args: argv.slice(1),
      options: {
        from: { type: 'string' },
        tenant: { type: 'string' },
        month: { type: 'string' },
        prices: { type: 'string', default: DEFAULT_PRICE_PRESET },
        format: { type: 'string', default: 'html' },
        out: { type: 'string' },
        'd1-persist-to': { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
    }).values;
  } catch (error) {
    io.err(`${error instanceof Error ? error.message : String(error)}\n${STATEMENT_USAGE}`);
    return 64;
  }
  if (values.help) {
    io.err(STATEMENT_USAGE);
    return 0;
  }
  const { from, tenant, month, format } = values;
  if (
    typeof from !== 'string' ||
    typeof tenant !== 'string' ||
    typeof month !== 'string' ||
    (format !== 'csv' && format !== 'html')
  ) {
    io.err(`--from, --tenant and --month are required; --format is csv or html\n${STATEMENT_USAGE}`);
    return 64;
  }
  const prices = await io.loadPrices(String(values.prices));
  if (Array.isArray(prices)) {
    io.err(`egress: bad price table\n${prices.join('\n')}`);
    return 65;
  }
  let ledger: LoadedLedger;
  try {
    const persist = values['d1-persist-to'];
    ledger = await io.loadLedger(from, typeof persist === 'string' ? persist : undefined);
  } catch (error) {
    io.err(`egress: cannot read --from ${from}: ${String(error)}`);
    return 1;
  }
  const statement = buildStatement(ledger.records, prices, { tenant, month });
  if (!statement.ok) {
    io.err(`${statement.error}\n${STATEMENT_USAGE}`);
    return 64;
  }
  const text = format === 'csv' ? renderStatementCsv(statement.value) : renderStatementHtml(statement.value);
  await io.write(text, typeof values.out === 'string' ? values.out : undefined);
  return 0;
}
