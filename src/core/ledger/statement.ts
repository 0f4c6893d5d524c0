/**
 * A tenant's monthly statement (issue 15): what the edge delivered to that tenant's viewers in one
 * UTC calendar month, priced with one price table, broken down by pricing region, day, network and
 * content. Pure: records and the table come in; rendering is scripts/egress/render-statement.ts.
 *
 * Only edge records count: they are the bytes viewers received (shield and origin records are
 * internal traffic, never billed to a tenant). Volume tiers start from zero for the tenant's month.
 */
import { err, ok, type Result } from '../result.ts';
import { aggregate, type Row } from './aggregate.ts';
import { monthRange } from './period.ts';
import type { PriceTable } from './price-table.ts';
import type { EgressRecord } from './record.ts';

export interface StatementLine {
  readonly key: string;
  readonly requests: number;
  readonly bytes: number;
  readonly gb: number;
  readonly cost: number;
}

export interface Statement {
  readonly tenant: string;
  /** `YYYY-MM`. */
  readonly month: string;
  /** ISO 8601, inclusive start and exclusive end of the month (UTC). */
  readonly from: string;
  readonly to: string;
  readonly priceTable: string;
  readonly currency: string;
  readonly bytesPerGB: number;
  readonly total: StatementLine;
  readonly byRegion: readonly StatementLine[];
  readonly byDay: readonly StatementLine[];
  readonly byNetwork: readonly StatementLine[];
  readonly byContent: readonly StatementLine[];
}

/**
 * @example buildStatement(records, CLOUDFRONT_ON_DEMAND, { tenant: 'acme', month: '2026-12' })
 */
export function buildStatement(
  records: readonly EgressRecord[],
  table: PriceTable,
  options: { readonly tenant: string; readonly month: string; readonly topContents?: number },
): Result<Statement, string> {
  const range = monthRange(options.month);
  if (!range) return err(`month: expected YYYY-MM, got ${JSON.stringify(options.month)}`);
  const mine = records.filter(
    (r) => r.tier === 'edge' && r.tenant === options.tenant && r.ts >= range.fromMs && r.ts < range.toMs,
  );
  const report = aggregate(mine, table, {
    by: ['region', 'day', 'network'],
    topContents: options.topContents ?? 20,
  });
  const line = (row: Row): StatementLine => ({
    key: row.key,
    requests: row.requests,
    bytes: row.bytes,
    gb: row.bytes / table.bytesPerGB,
    cost: row.cost,
  });
  return ok({
    tenant: options.tenant,
    month: options.month,
    from: new Date(range.fromMs).toISOString(),
    to: new Date(range.toMs).toISOString(),
    priceTable: table.name,
    currency: table.currency,
    bytesPerGB: table.bytesPerGB,
    total: line({ ...report.totals, key: 'total' }),
    byRegion: (report.breakdowns.region ?? []).map(line),
    byDay: (report.breakdowns.day ?? []).map(line),
    byNetwork: (report.breakdowns.network ?? []).map(line),
    byContent: report.topContents.map(line),
  });
}
