/**
 * The end-of-test terminal summary: k6-like metric lines, then per-target tier table, origin
 * requests per object, egress and cost, thresholds. Pure text from a BenchSummary.
 */
import type { BenchSummary } from './results.ts';

const pct = (x: number) => `${(x * 100).toFixed(1)}%`;
const mb = (b: number) => `${(b / 1e6).toFixed(2)} MB`;
const ms = (x: number | undefined) => `${(x ?? 0).toFixed(1)}ms`;

/** @example process.stdout.write(textReport(summary)) */
export function textReport(s: BenchSummary): string {
  const out: string[] = [];
  const e = s.edgeshield;
  out.push('', `  scenario: ${e.scenario}  (${e.durationSec.toFixed(1)} s, seed ${e.seed})`, '');
  for (const name of [
    'http_reqs',
    'http_req_failed',
    'http_req_duration',
    'http_req_waiting',
    'iterations',
    'dropped_iterations',
    'checks',
    'stalls',
  ]) {
    const m = s.metrics[name];
    if (m === undefined) continue;
    const fields = Object.entries(m)
      .filter(([k]) => k !== 'thresholds')
      .map(([k, v]) => `${k}=${typeof v === 'number' ? (Number.isInteger(v) ? v : v.toFixed(2)) : ''}`)
      .join(' ');
    out.push(`  ${name.padEnd(22, '.')} ${fields}`);
  }
  for (const a of e.analyses) {
    out.push('', `  target ${a.target}  (origin counted by ${a.originSource})`);
    out.push('    tier     requests       bytes   req-hit  byte-hit');
    for (const [tier, t] of Object.entries(a.tiers)) {
      out.push(
        `    ${tier.padEnd(7)} ${String(t.requests).padStart(9)} ${mb(t.bytes).padStart(11)} ${pct(t.hitRatio).padStart(9)} ${pct(t.byteHitRatio).padStart(9)}`,
      );
    }
    out.push(
      `    combined request hit ratio ${pct(a.combinedHitRatio)}   origin offload (bytes) ${pct(a.originOffload)}`,
    );
    const per = Object.entries(a.originRequestsPerObject)
      .map(
        ([k, v]) => `${k}: avg ${v.perObject.avg.toFixed(2)} max ${v.perObject.max} (${v.objects} objects)`,
      )
      .join('; ');
    if (per) out.push(`    origin requests per object  ${per}`);
    for (const [tier, l] of Object.entries(a.latency)) {
      out.push(
        `    served by ${tier.padEnd(7)} TTFB p50 ${ms(l.ttfb.med)} p95 ${ms(l.ttfb['p(95)'])} p99 ${ms(l.ttfb['p(99)'])}  TTLB p95 ${ms(l.ttlb['p(95)'])}`,
      );
    }
    const errors = Object.entries(a.errorsByCode);
    if (errors.length) out.push(`    errors ${errors.map(([k, v]) => `${k}×${v}`).join(', ')}`);
    const cost = a.cost.edge.map((c) => `${c.region} ${mb(c.bytes)} $${c.usd.toFixed(6)}`).join('; ');
    out.push(
      `    edge egress cost (${a.cost.table}): ${cost || 'none'}  total $${a.cost.totalUsd.toFixed(6)}`,
    );
  }
  if (Object.keys(e.extras).length) out.push('', `  extras ${JSON.stringify(e.extras)}`);
  for (const n of e.notes) out.push(`  note: ${n}`);
  out.push('');
  for (const t of e.thresholds) {
    // `~`: crossed but advisory (it measured the local dev server, not edgeshield).
    const mark = t.ok ? '✓' : t.advisory === undefined ? '✗' : '~';
    const label = t.advisory === undefined ? '' : `  [${t.advisory}]`;
    out.push(
      `  ${mark} ${t.metric}: ${t.threshold}  (actual ${t.actual === null ? 'n/a' : +t.actual.toFixed(4)})${label}`,
    );
  }
  const advisoryCrossed = e.thresholds.filter((t) => !t.ok && t.advisory !== undefined).length;
  const pass = advisoryCrossed ? `PASS (${advisoryCrossed} advisory threshold(s) crossed, marked ~)` : 'PASS';
  out.push('', `  ${e.passed ? pass : 'FAIL: thresholds crossed'}`, '');
  return out.join('\n');
}
