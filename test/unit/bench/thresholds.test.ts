import { describe, expect, it } from 'vitest';
import { createMetricStore } from '../../../bench/lib/metrics.ts';
import { buildSummary, evaluateThresholds } from '../../../bench/lib/summary.ts';
import {
  parseSelector,
  parseThreshold,
  parseThresholds,
  thresholdPasses,
} from '../../../bench/lib/thresholds.ts';

describe('threshold parsing', () => {
  it('parses a sub-metric selector with tags', () => {
    expect(parseSelector('http_req_duration{tier:edge,kind:segment}')).toEqual({
      ok: true,
      value: { name: 'http_req_duration', tags: { tier: 'edge', kind: 'segment' } },
    });
  });
  it('parses percentile, max and rate expressions', () => {
    expect(parseThreshold('p(95)<50')).toMatchObject({
      ok: true,
      value: { aggregation: 'p(95)', operator: '<', value: 50 },
    });
    expect(parseThreshold('max<=1.0')).toMatchObject({
      ok: true,
      value: { aggregation: 'max', operator: '<=', value: 1 },
    });
    expect(parseThreshold(' rate > 0.99 ')).toMatchObject({
      ok: true,
      value: { aggregation: 'rate', operator: '>', value: 0.99 },
    });
  });
  it('rejects unknown aggregations and percentiles above 100', () => {
    expect(parseThreshold('mean<5').ok).toBe(false);
    expect(parseThreshold('p(101)<5').ok).toBe(false);
    expect(parseSelector('bad{tier}').ok).toBe(false);
  });
  it('collects every issue instead of stopping at the first', () => {
    expect(parseThresholds({ a: ['avg<1', 'nope'], 'b{x}': ['avg<1'] }).issues).toHaveLength(2);
  });
  it('evaluates each operator', () => {
    const t = (s: string) => {
      const r = parseThreshold(s);
      if (!r.ok) throw new Error(r.error.message);
      return r.value;
    };
    expect(thresholdPasses(t('max<=1'), 1)).toBe(true);
    expect(thresholdPasses(t('max<1'), 1)).toBe(false);
    expect(thresholdPasses(t('count==0'), 0)).toBe(true);
    expect(thresholdPasses(t('value!=0'), 0)).toBe(false);
  });
});

describe('threshold evaluation on metrics', () => {
  const store = createMetricStore();
  store.define('http_req_duration', 'trend', true);
  store.define('http_req_failed', 'rate');
  store.define('http_reqs', 'counter');
  for (let i = 1; i <= 100; i++) {
    store.add('http_req_duration', i, { tier: i <= 90 ? 'edge' : 'origin' });
    store.add('http_req_failed', i === 1 ? 1 : 0);
    store.add('http_reqs', 1);
  }

  it('filters sub-metrics by tag before aggregating', () => {
    const parsed = parseThresholds({
      'http_req_duration{tier:edge}': ['p(95)<90', 'max<=90'],
      http_req_failed: ['rate<0.02'],
    });
    const results = evaluateThresholds(store, parsed, 10);
    expect(results.map((r) => r.ok)).toEqual([true, true, true]);
    expect(results[1]?.actual).toBe(90);
  });
  it('fails thresholds on unknown metrics and unsupported aggregations', () => {
    const results = evaluateThresholds(
      store,
      parseThresholds({ nope: ['avg<1'], http_reqs: ['p(95)<1'] }),
      10,
    );
    expect(results.every((r) => !r.ok)).toBe(true);
  });
  it('passes count==0 on a defined counter that never counted, and fails avg on an empty trend', () => {
    const empty = createMetricStore();
    empty.define('stalls', 'counter');
    empty.define('ttfb', 'trend', true);
    const results = evaluateThresholds(
      empty,
      parseThresholds({ stalls: ['count==0'], ttfb: ['avg<100'] }),
      10,
    );
    expect(results.map((r) => [r.metric, r.ok])).toEqual([
      ['stalls', true],
      ['ttfb', false],
    ]);
  });
  it('exports the k6 summary shape, with threshold booleans true when failed', () => {
    const parsed = parseThresholds({ 'http_req_duration{tier:edge}': ['p(95)<10'] });
    const thresholds = evaluateThresholds(store, parsed, 10);
    const summary = buildSummary(
      store,
      new Map([['status is 200', { passes: 3, fails: 1 }]]),
      thresholds,
      10,
      parsed,
    );
    expect(Object.keys(summary.metrics.http_req_duration ?? {})).toEqual([
      'avg',
      'min',
      'med',
      'max',
      'p(90)',
      'p(95)',
      'p(99)',
    ]);
    expect(summary.metrics.http_reqs).toEqual({ count: 100, rate: 10 });
    expect(summary.metrics.http_req_failed).toEqual({ passes: 1, fails: 99, value: 0.01 });
    expect(summary.metrics['http_req_duration{tier:edge}']?.thresholds).toEqual({ 'p(95)<10': true });
    expect(summary.metrics.checks).toEqual({ passes: 3, fails: 1, value: 0.75 });
    expect(summary.root_group.checks['status is 200']).toMatchObject({
      path: '::status is 200',
      passes: 3,
      fails: 1,
    });
  });
});
