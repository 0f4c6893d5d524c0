/**
 * The end-of-test summary in k6's `--summary-export` shape (`metrics`, `root_group` with checks) plus
 * an `edgeshield` section with our tier numbers. Pure: takes the metric store and results.
 *
 * k6 quirk kept on purpose for tool compatibility: in `metrics[name].thresholds` the boolean is
 * `true` when the threshold FAILED (grafana/k6#1498). `edgeshield.thresholds` states it plainly.
 */
import { aggregate, aggregationValue, type MetricStore, type MetricValues } from './metrics.ts';
import { type ParsedThresholds, thresholdPasses } from './thresholds.ts';

export interface CheckCount {
  readonly passes: number;
  readonly fails: number;
}

export interface ThresholdResult {
  readonly metric: string;
  readonly threshold: string;
  readonly actual: number | null;
  readonly ok: boolean;
  /** Set when the threshold does not decide the verdict, with why (bench/lib/advisory.ts). */
  readonly advisory?: string;
}

export type SummaryMetric = Record<string, number | Record<string, boolean>>;

export interface K6Summary {
  readonly root_group: {
    readonly name: string;
    readonly path: string;
    readonly id: string;
    readonly groups: Record<string, never>;
    readonly checks: Record<
      string,
      { name: string; path: string; id: string; passes: number; fails: number }
    >;
  };
  readonly metrics: Record<string, SummaryMetric>;
}

/** Evaluates every threshold against the store; an unknown metric or aggregation fails. */
export function evaluateThresholds(
  store: MetricStore,
  parsed: ParsedThresholds,
  durationSec: number,
): ThresholdResult[] {
  const results: ThresholdResult[] = [];
  for (const entry of parsed.entries) {
    const raw = store.raw(entry.selector);
    for (const t of entry.thresholds) {
      const actual =
        raw === undefined ? undefined : aggregationValue(raw.type, raw.values, t.aggregation, durationSec);
      results.push({
        metric: entry.key,
        threshold: t.source,
        actual: actual ?? null,
        ok: actual !== undefined && measured(raw) && thresholdPasses(t, actual),
      });
    }
  }
  for (const issue of parsed.issues) {
    results.push({ metric: issue.source, threshold: issue.message, actual: null, ok: false });
  }
  return results;
}

/**
 * Whether a threshold has something to judge. A trend, rate or gauge with no samples has no value,
 * so its thresholds fail (a threshold that cannot fail is a defect). A defined counter with no
 * samples did count: zero events (e.g. `stalls: ['count==0']` when no viewer stalled).
 */
function measured(raw: { readonly type: string; readonly values: readonly number[] } | undefined): boolean {
  return raw !== undefined && (raw.values.length > 0 || raw.type === 'counter');
}

function metricFields(values: MetricValues): SummaryMetric {
  const { type: _type, ...fields } = values;
  if (values.type === 'trend') {
    const { count: _count, ...trend } = fields as Record<string, number>;
    return trend;
  }
  return fields as Record<string, number>;
}

/**
 * Builds the k6-shaped summary: every metric, plus each sub-metric that has thresholds.
 *
 * @example buildSummary(store, checks, thresholdResults, 30).metrics.http_reqs // { count, rate }
 */
export function buildSummary(
  store: MetricStore,
  checks: ReadonlyMap<string, CheckCount>,
  thresholds: readonly ThresholdResult[],
  durationSec: number,
  parsed: ParsedThresholds,
): K6Summary {
  const metrics: Record<string, SummaryMetric> = {};
  for (const name of store.names()) {
    const values = store.values({ name, tags: {} }, durationSec);
    if (values !== undefined) metrics[name] = metricFields(values);
  }
  for (const entry of parsed.entries) {
    if (Object.keys(entry.selector.tags).length === 0) continue;
    const raw = store.raw(entry.selector);
    if (raw !== undefined) metrics[entry.key] = metricFields(aggregate(raw.type, raw.values, durationSec));
  }
  for (const r of thresholds) {
    const m = metrics[r.metric];
    if (m === undefined) continue;
    const existing = m.thresholds;
    const map = typeof existing === 'object' ? existing : {};
    map[r.threshold] = !r.ok; // k6: true = failed
    m.thresholds = map;
  }
  let passes = 0;
  let fails = 0;
  const checkEntries: K6Summary['root_group']['checks'] = {};
  for (const [name, c] of checks) {
    passes += c.passes;
    fails += c.fails;
    checkEntries[name] = { name, path: `::${name}`, id: checkId(name), passes: c.passes, fails: c.fails };
  }
  if (checks.size > 0) {
    metrics.checks = { passes, fails, value: passes + fails ? passes / (passes + fails) : 0 };
  }
  return {
    root_group: { name: '', path: '', id: checkId(''), groups: {}, checks: checkEntries },
    metrics,
  };
}

/** Stable short id (k6 uses an md5 of the path; any stable hash serves readers). */
function checkId(name: string): string {
  let h = 0x811c9dc5;
  for (let i = 0; i < name.length; i++) h = Math.imul(h ^ name.charCodeAt(i), 0x01000193) >>> 0;
  return h.toString(16).padStart(8, '0');
}
