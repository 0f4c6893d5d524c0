/**
 * `GET /api/v1/usage` query parsing (issue 15): period and grouping of delivered bytes. Pure: `nowMs`
 * comes in; the SQL that aggregates the ledger lives at the edge (control/routes-usage.ts).
 */
import { parseInstant } from '../ledger/period.ts';
import { err, ok, type Result } from '../result.ts';

/** `protocol`: `hls` (edge responses) or `webrtc` (media server sessions pushed to the edge). */
export const USAGE_DIMENSIONS = ['tenant', 'content', 'country', 'network', 'day', 'protocol'] as const;
export type UsageDimension = (typeof USAGE_DIMENSIONS)[number];

export interface UsageQuery {
  /** Inclusive, ms since the epoch. */
  readonly fromMs: number;
  /** Exclusive. */
  readonly toMs: number;
  readonly by: readonly UsageDimension[];
}

/** Longest period one query may cover: the ledger is scanned, not pre-aggregated. */
export const MAX_USAGE_DAYS = 92;
const DAY_MS = 86_400_000;

/**
 * @example parseUsageQuery({ from: '2026-12-01', to: '2026-12-02', by: 'tenant,day' }, now)
 *   // { ok: true, value: { fromMs: 1796083200000, toMs: 1796169600000, by: ['tenant', 'day'] } }
 */
export function parseUsageQuery(
  params: {
    readonly from?: string | undefined;
    readonly to?: string | undefined;
    readonly by?: string | undefined;
  },
  nowMs: number,
): Result<UsageQuery, readonly string[]> {
  const issues: string[] = [];
  const toMs = params.to === undefined || params.to === '' ? nowMs : parseInstant(params.to);
  const fromMs =
    params.from === undefined || params.from === '' ? (toMs ?? nowMs) - DAY_MS : parseInstant(params.from);
  if (toMs === undefined) issues.push('to: expected YYYY-MM-DD, an ISO 8601 time or epoch ms');
  if (fromMs === undefined) issues.push('from: expected YYYY-MM-DD, an ISO 8601 time or epoch ms');
  if (fromMs !== undefined && toMs !== undefined) {
    if (fromMs >= toMs) issues.push('from: expected before to');
    else if (toMs - fromMs > MAX_USAGE_DAYS * DAY_MS)
      issues.push(`to: at most ${MAX_USAGE_DAYS} days after from`);
  }
  const by: UsageDimension[] = [];
  for (const [i, d] of (params.by || 'tenant').split(',').entries()) {
    const dim = d.trim();
    if (!(USAGE_DIMENSIONS as readonly string[]).includes(dim))
      issues.push(`by[${i}]: expected one of ${USAGE_DIMENSIONS.join(', ')}`);
    else if (!by.includes(dim as UsageDimension)) by.push(dim as UsageDimension);
  }
  if (issues.length > 0 || fromMs === undefined || toMs === undefined) return err(issues);
  return ok({ fromMs, toMs, by });
}
