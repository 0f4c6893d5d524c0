/**
 * k6's four metric types (counter, gauge, rate, trend) with tagged samples and sub-metric queries.
 * Pure: samples come in with their time; nothing here reads a clock or does I/O. Bounded by the
 * runner (it stops producing samples when the scenario ends).
 */
import { percentileOfSorted, sortedCopy, type TrendStats, trendStats } from './percentiles.ts';
import type { MetricSelector } from './thresholds.ts';

export type MetricType = 'counter' | 'gauge' | 'rate' | 'trend';
export type Tags = Readonly<Record<string, string>>;

interface Series {
  readonly type: MetricType;
  /** Trend values are timings in ms when true (k6 `isTime`). */
  readonly isTime: boolean;
  readonly values: number[];
  readonly tags: Tags[];
}

/** Aggregated view of one (sub-)metric, in the fields k6 thresholds and summaries use. */
export type MetricValues =
  | { readonly type: 'counter'; readonly count: number; readonly rate: number }
  | { readonly type: 'gauge'; readonly value: number; readonly min: number; readonly max: number }
  | { readonly type: 'rate'; readonly passes: number; readonly fails: number; readonly value: number }
  | ({ readonly type: 'trend' } & TrendStats);

/** A registry of samples. */
export interface MetricStore {
  /** Declares a metric; adding a sample to an undeclared one throws (a typo must not pass silently). */
  define(name: string, type: MetricType, isTime?: boolean): void;
  add(name: string, value: number, tags?: Tags): void;
  names(): string[];
  typeOf(name: string): MetricType | undefined;
  /** The raw samples matching `selector` (tag filter), or undefined for an unknown metric. */
  raw(selector: MetricSelector): { readonly type: MetricType; readonly values: number[] } | undefined;
  /** Aggregates the samples matching `selector`; `durationSec` gives counters their rate. */
  values(selector: MetricSelector, durationSec: number): MetricValues | undefined;
}

/** @example const m = createMetricStore(); m.define('http_reqs', 'counter'); m.add('http_reqs', 1, { tier: 'edge' }); */
export function createMetricStore(): MetricStore {
  const series = new Map<string, Series>();
  return {
    define(name, type, isTime = false) {
      const existing = series.get(name);
      if (existing !== undefined && existing.type !== type) {
        throw new TypeError(`metric ${name} already defined as ${existing.type}, not ${type}`);
      }
      if (existing === undefined) series.set(name, { type, isTime, values: [], tags: [] });
    },
    add(name, value, tags = {}) {
      const s = series.get(name);
      if (s === undefined) throw new TypeError(`metric ${name} is not defined`);
      s.values.push(value);
      s.tags.push(tags);
    },
    names: () => [...series.keys()],
    typeOf: (name) => series.get(name)?.type,
    raw(selector) {
      const s = series.get(selector.name);
      if (s === undefined) return undefined;
      const picked: number[] = [];
      const filter = Object.entries(selector.tags);
      for (let i = 0; i < s.values.length; i++) {
        const tags = s.tags[i] ?? {};
        if (filter.every(([k, v]) => tags[k] === v)) picked.push(s.values[i] ?? 0);
      }
      return { type: s.type, values: picked };
    },
    values(selector, durationSec) {
      const raw = this.raw(selector);
      return raw === undefined ? undefined : aggregate(raw.type, raw.values, durationSec);
    },
  };
}

/** Aggregates raw samples of one type the way k6 does. */
export function aggregate(type: MetricType, values: readonly number[], durationSec: number): MetricValues {
  switch (type) {
    case 'counter': {
      const count = values.reduce((a, b) => a + b, 0);
      return { type, count, rate: durationSec > 0 ? count / durationSec : 0 };
    }
    case 'gauge':
      return {
        type,
        value: values.at(-1) ?? 0,
        min: values.length ? Math.min(...values) : 0,
        max: values.length ? Math.max(...values) : 0,
      };
    case 'rate': {
      const passes = values.filter((v) => v !== 0).length;
      return {
        type,
        passes,
        fails: values.length - passes,
        value: values.length ? passes / values.length : 0,
      };
    }
    case 'trend':
      return { type, ...trendStats(values) };
    default: {
      const unreachable: never = type;
      throw new TypeError(`unknown metric type ${String(unreachable)}`);
    }
  }
}

/**
 * The number a threshold aggregation (`p(95)`, `rate`, `count`, …) reads from raw samples, or
 * undefined when that aggregation does not exist for the metric type (k6 refuses such thresholds).
 *
 * @example aggregationValue('trend', [1, 2, 3, 4], 'p(50)', 10) // 2.5
 */
export function aggregationValue(
  type: MetricType,
  values: readonly number[],
  aggregation: string,
  durationSec: number,
): number | undefined {
  const p = /^p\((\d+(?:\.\d+)?)\)$/.exec(aggregation);
  if (type === 'trend' && p !== null) return percentileOfSorted(sortedCopy(values), Number(p[1]));
  const agg = aggregate(type, values, durationSec);
  const fields: Readonly<Record<MetricType, readonly string[]>> = {
    counter: ['count', 'rate'],
    gauge: ['value', 'min', 'max'],
    rate: ['rate'],
    trend: ['avg', 'min', 'max', 'med', 'count'],
  };
  if (!fields[type].includes(aggregation)) return undefined;
  if (agg.type === 'rate') return agg.value;
  const record = agg as unknown as Readonly<Record<string, number>>;
  return record[aggregation];
}
