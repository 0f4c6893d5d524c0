/**
 * Operator API: `GET /api/v1/usage?from&to&by=tenant,content,country,network,day,protocol` (issue 15),
 * bytes delivered to viewers from the D1 ledger (LEDGER): the edge's responses plus the WebRTC sessions
 * media servers pushed (`rtc` rows, routes/rtc-usage.ts). `requests` counts edge responses only and
 * `sessions` the WebRTC sessions (one row each, at its start time). `peakMbps` is the busiest minute's
 * edge bytes × 8 / 60 s (what ISP network-fee talks ask for per network and day); a session's bytes are
 * one row at its start, so they would pile into one minute and are left out of the peak.
 * A tenant key sees its own tenant only. Must not write anything.
 */
import type { Hono } from 'hono';
import { parseUsageQuery, type UsageDimension } from '../../core/control/usage.ts';
import { EdgeError } from '../errors.ts';
import type { ControlDeps, ControlHonoEnv } from './context.ts';
import { authorize, badRequest } from './context.ts';

/** Ledger columns (and output names) per dimension; `network` is the AS number plus its name. */
const DIMENSION_SQL: Record<UsageDimension, readonly (readonly [string, string])[]> = {
  tenant: [['tenant', 'tenant']],
  content: [['contentId', 'content']],
  country: [['country', 'country']],
  network: [['asn', 'asn']],
  day: [["strftime('%Y-%m-%d', ts / 1000, 'unixepoch')", 'day']],
  protocol: [["CASE tier WHEN 'rtc' THEN 'webrtc' ELSE 'hls' END", 'protocol']],
};

/** Registers GET /usage; `ledger` is the LEDGER binding (503 without it). */
export function usageRoutes(
  api: Hono<ControlHonoEnv>,
  deps: ControlDeps,
  ledger: D1Database | undefined,
): void {
  api.get('/usage', async (c) => {
    const tenant = c.var.caller.tenant ?? c.req.query('tenant');
    authorize(c, 'usage:read', tenant);
    const query = parseUsageQuery(
      { from: c.req.query('from'), to: c.req.query('to'), by: c.req.query('by') },
      deps.now(),
    );
    if (!query.ok) throw badRequest(query.error);
    if (!ledger) throw new EdgeError('EDGE_ERR_API_UNAVAILABLE', 'no LEDGER binding');
    const cols = query.value.by.flatMap((d) => DIMENSION_SQL[d]);
    const inner = cols.map(([sql, name]) => `${sql} AS ${name}`).join(', ');
    const names = cols.map(([, name]) => name);
    const group = names.length > 0 ? `${names.join(', ')}, ` : '';
    const network = query.value.by.includes('network') ? ', MAX(org) AS asOrganization' : '';
    const sql = `SELECT ${group}SUM(b) AS bytes, SUM(n) AS requests, SUM(s) AS sessions, ROUND(MAX(hb) * 8.0 / 60 / 1000000, 3) AS peakMbps${network}
      FROM (SELECT ${inner}${inner ? ', ' : ''}ts / 60000 AS minute, SUM(bytes) AS b, SUM(tier <> 'rtc') AS n, SUM(tier = 'rtc') AS s,
              SUM(CASE tier WHEN 'rtc' THEN 0 ELSE bytes END) AS hb, MAX(asOrganization) AS org
            FROM egress_records WHERE ts >= ? AND ts < ?${tenant !== undefined ? ' AND tenant = ?' : ''}
            GROUP BY ${group}minute)
      ${names.length > 0 ? `GROUP BY ${names.join(', ')} ORDER BY ${names.join(', ')}` : ''}`;
    const binds: unknown[] = [
      query.value.fromMs,
      query.value.toMs,
      ...(tenant !== undefined ? [tenant] : []),
    ];
    // The Queue consumer creates the table with its first batch: before that, nothing was delivered.
    const table = await ledger
      .prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name = 'egress_records'")
      .first();
    const rows = table
      ? await ledger
          .prepare(sql)
          .bind(...binds)
          .all()
      : { results: [] };
    return c.json({
      from: new Date(query.value.fromMs).toISOString(),
      to: new Date(query.value.toMs).toISOString(),
      by: query.value.by,
      ...(tenant !== undefined ? { tenant } : {}),
      rows: rows.results,
    });
  });
}
