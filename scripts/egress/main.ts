/**
 * Finance CLI entry: `npm run egress -- report --from FILE|DIR|d1 [--prices PRESET|FILE]
 * [--by …] [--format table|csv|html] [--out FILE]`. Loads records, prices them, renders.
 * `npm run egress -- statement …`: a tenant's monthly statement (statement.ts).
 *
 * Exit codes: 0 report written, 1 I/O failure, 64 bad usage, 65 bad price table.
 */
import { readFile, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { aggregate } from '../../src/core/ledger/aggregate.ts';
import {
  formatPriceTableIssue,
  type PriceTable,
  validatePriceTable,
} from '../../src/core/ledger/price-table.ts';
import { PRICE_PRESETS } from '../../src/core/ledger/prices/index.ts';
import { summarizeWebRtc } from '../../src/core/ledger/webrtc-summary.ts';
import { parseReportArgs, USAGE } from './args.ts';
import { loadLedger } from './read-ledger.ts';
import { renderCsv } from './render-csv.ts';
import { renderHtml } from './render-html.ts';
import { renderTable } from './render-table.ts';
import { runStatement } from './statement.ts';

const EX_USAGE = 64;
const EX_DATAERR = 65;

async function loadPrices(spec: string): Promise<PriceTable | string[]> {
  const preset = PRICE_PRESETS[spec];
  if (preset) return preset;
  let json: unknown;
  try {
    json = JSON.parse(await readFile(spec, 'utf8'));
  } catch (error) {
    return [
      `--prices ${spec}: not a preset (${Object.keys(PRICE_PRESETS).join(', ')}) nor a readable JSON file: ${String(error)}`,
    ];
  }
  const r = validatePriceTable(json);
  return r.ok ? r.value : r.error.map((i) => `${spec}: ${formatPriceTableIssue(i)}`);
}

async function main(): Promise<number> {
  if (process.argv[2] === 'statement')
    return runStatement(process.argv.slice(2), {
      loadPrices,
      loadLedger,
      write: async (text, out) => {
        if (out) await writeFile(out, text);
        else process.stdout.write(text);
      },
      err: (text) => process.stderr.write(`${text}\n`),
    });
  const { args, errors, help } = parseReportArgs(process.argv.slice(2));
  if (help) {
    process.stdout.write(`${USAGE}\n`);
    return 0;
  }
  if (!args) {
    process.stderr.write(`${errors.join('\n')}\n${USAGE}\n`);
    return EX_USAGE;
  }
  const prices = await loadPrices(args.prices);
  if (Array.isArray(prices)) {
    process.stderr.write(`egress: bad price table\n${prices.map((l) => `  ${l}`).join('\n')}\n`);
    return EX_DATAERR;
  }
  let ledger: Awaited<ReturnType<typeof loadLedger>>;
  try {
    ledger = await loadLedger(args.from, args.d1PersistTo);
  } catch (error) {
    const reason =
      (error as { code?: unknown }).code === 'ENOENT' ? 'no such file or directory' : String(error);
    process.stderr.write(`egress: cannot read --from ${args.from}: ${reason}\n`);
    return 1;
  }
  if (ledger.skipped.length > 0) {
    process.stderr.write(`egress: skipped ${ledger.skipped.length} line(s):\n`);
    for (const line of ledger.skipped.slice(0, 20)) process.stderr.write(`  ${line}\n`);
  }
  const { sinceMs, untilMs } = args;
  const records = ledger.records.filter(
    (r) => (sinceMs === undefined || r.ts >= sinceMs) && (untilMs === undefined || r.ts < untilMs),
  );
  const report = aggregate(records, prices, { by: args.by, topContents: args.top });
  const webrtc = summarizeWebRtc(records, prices);
  let text: string;
  if (args.format === 'csv') text = renderCsv(report, webrtc);
  else if (args.format === 'html') {
    // chart.js's exports map hides dist/; its CommonJS entry sits next to the UMD build.
    const chartJs = join(dirname(createRequire(import.meta.url).resolve('chart.js')), 'chart.umd.min.js');
    text = renderHtml(report, await readFile(chartJs, 'utf8'), webrtc);
  } else text = renderTable(report, webrtc);
  if (args.out) await writeFile(args.out, text);
  else process.stdout.write(text);
  return 0;
}

main().then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    process.stderr.write(`egress: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exitCode = 1;
  },
);
