/**
 * Thresholds that measure the local dev server rather than edgeshield (issue 13). The bench targets
 * loopback only, so its edge is `wrangler dev`, whose local proxy tops out near 330 req/s even for
 * `/healthz`: an edge latency threshold such as `p(95)<50` judges that proxy and the shared box, and a
 * healthy first run would fail on it. Such thresholds are still evaluated and printed, labelled
 * advisory, and do not decide the verdict or the exit code unless the run is strict
 * (`--strict-latency`). Pure.
 */
import type { ThresholdResult } from './summary.ts';
import { parseSelector } from './thresholds.ts';

/** The label an advisory threshold carries in summary.json and the text report. */
export const DEV_SERVER_LATENCY =
  'advisory: measures the local dev server (wrangler dev proxies every request, ~330 req/s ceiling); --strict-latency enforces it';

/** Request timings; every other metric (hit ratios, origin counts, errors, stalls) is edgeshield's own. */
const LATENCY_METRICS: ReadonlySet<string> = new Set(['http_req_duration', 'http_req_waiting']);

/**
 * @example isDevServerLatency('http_req_duration{tier:edge}') // true
 */
export function isDevServerLatency(metricKey: string): boolean {
  const selector = parseSelector(metricKey);
  return selector.ok && LATENCY_METRICS.has(selector.value.name);
}

/**
 * Labels latency thresholds advisory unless `strict`.
 *
 * @example labelAdvisory(results, false).find((t) => t.metric === 'http_req_duration{tier:edge}')?.advisory
 */
export function labelAdvisory(results: readonly ThresholdResult[], strict: boolean): ThresholdResult[] {
  return results.map((t) =>
    !strict && isDevServerLatency(t.metric) ? { ...t, advisory: DEV_SERVER_LATENCY } : t,
  );
}

/** The run's verdict: every threshold that is not advisory passed. */
export function thresholdsPassed(results: readonly Pick<ThresholdResult, 'ok' | 'advisory'>[]): boolean {
  return results.every((t) => t.ok || t.advisory !== undefined);
}
