/**
 * Argument parsing for the finance CLI (`npm run egress -- report …`). Pure: returns options or a
 * list of problems; main.ts prints them. Defaults live here.
 */
import { DIMENSIONS, type Dimension } from '../../src/core/ledger/aggregate.ts';
import { parseInstant } from '../../src/core/ledger/period.ts';
import { DEFAULT_PRICE_PRESET } from '../../src/core/ledger/prices/index.ts';

export const FORMATS = ['table', 'csv', 'html'] as const;
export type Format = (typeof FORMATS)[number];

export interface ReportArgs {
  /** A file, a directory of NDJSON files, or `d1` (the local D1 ledger through wrangler). */
  readonly from: string;
  /** A preset name or a JSON price table file. */
  readonly prices: string;
  readonly by: readonly Dimension[];
  readonly format: Format;
  /** Write here instead of stdout. */
  readonly out?: string;
  readonly top: number;
  /** `--persist-to` directory of a `wrangler dev` session, for `--from d1`. */
  readonly d1PersistTo?: string;
  /** Records from this time (ms since the epoch, inclusive). */
  readonly sinceMs?: number;
  /** Records before this time (exclusive). */
  readonly untilMs?: number;
}

export const USAGE = `usage: npm run egress -- report --from FILE|DIR|d1 [--prices PRESET|FILE]
         [--by ${DIMENSIONS.join(',')}] [--format table|csv|html] [--out FILE] [--top N]
         [--since TIME] [--until TIME] [--d1-persist-to DIR]
       npm run egress -- statement --help
  presets: cloudfront-on-demand (default), flat
  TIME: YYYY-MM-DD (UTC midnight), an ISO 8601 time or epoch ms; --until is exclusive`;

const DEFAULT_BY: readonly Dimension[] = ['tier', 'region', 'country', 'day'];

/** @example parseReportArgs(['report', '--from', 'a.ndjson', '--format', 'csv']) */
export function parseReportArgs(argv: readonly string[]): {
  args?: ReportArgs;
  errors: string[];
  help?: boolean;
} {
  const errors: string[] = [];
  if (argv.includes('--help') || argv.includes('-h')) return { errors, help: true };
  const [command, ...rest] = argv;
  if (command !== 'report') return { errors: [`unknown command ${JSON.stringify(command ?? '')}`] };
  const values = new Map<string, string>();
  for (let i = 0; i < rest.length; i++) {
    const flag = rest[i] ?? '';
    const [name, inline] = flag.split(/=(.*)/s, 2) as [string, string | undefined];
    if (
      ![
        '--from',
        '--prices',
        '--by',
        '--format',
        '--out',
        '--top',
        '--d1-persist-to',
        '--since',
        '--until',
      ].includes(name)
    ) {
      errors.push(`unknown option ${JSON.stringify(flag)}`);
      continue;
    }
    const value = inline ?? rest[++i];
    if (value === undefined || value === '') errors.push(`${name}: expected a value`);
    else values.set(name, value);
  }
  const from = values.get('--from');
  if (from === undefined) errors.push('--from: expected a file, a directory or d1');
  const by = (values.get('--by')?.split(',') ?? DEFAULT_BY).map((s) => s.trim()).filter((s) => s !== '');
  for (const d of by) {
    if (!(DIMENSIONS as readonly string[]).includes(d)) {
      errors.push(`--by: expected some of ${DIMENSIONS.join(',')}, got ${JSON.stringify(d)}`);
    }
  }
  const format = values.get('--format') ?? 'table';
  if (!(FORMATS as readonly string[]).includes(format)) {
    errors.push(`--format: expected table, csv or html, got ${JSON.stringify(format)}`);
  }
  const top = Number(values.get('--top') ?? '10');
  if (!Number.isSafeInteger(top) || top < 1) errors.push(`--top: expected a positive integer, got ${top}`);
  const time = (flag: '--since' | '--until') => {
    const raw = values.get(flag);
    if (raw === undefined) return undefined;
    const ms = parseInstant(raw);
    if (ms === undefined)
      errors.push(`${flag}: expected YYYY-MM-DD, an ISO 8601 time or epoch ms, got ${JSON.stringify(raw)}`);
    return ms;
  };
  const sinceMs = time('--since');
  const untilMs = time('--until');
  if (sinceMs !== undefined && untilMs !== undefined && sinceMs >= untilMs)
    errors.push('--since: expected before --until');
  if (errors.length > 0 || from === undefined) return { errors };
  const out = values.get('--out');
  const persist = values.get('--d1-persist-to');
  return {
    errors,
    args: {
      from,
      prices: values.get('--prices') ?? DEFAULT_PRICE_PRESET,
      by: by as Dimension[],
      format: format as Format,
      top,
      ...(out ? { out } : {}),
      ...(persist ? { d1PersistTo: persist } : {}),
      ...(sinceMs !== undefined ? { sinceMs } : {}),
      ...(untilMs !== undefined ? { untilMs } : {}),
    },
  };
}
