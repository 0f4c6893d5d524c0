/**
 * k6 threshold syntax: metric selectors (`http_req_duration{tier:edge,kind:segment}`) and expressions
 * (`p(95)<50`, `max<=1.0`, `rate>0.99`, `count==0`). Pure: parsing returns issues, evaluation takes
 * the aggregated values in, so the runner decides where numbers come from.
 */
import { err, ok, type Result } from '../../src/core/result.ts';

/** A metric name plus the tag filter of a k6 sub-metric. */
export interface MetricSelector {
  readonly name: string;
  /** Tag name → required value; empty for the whole metric. */
  readonly tags: Readonly<Record<string, string>>;
}

export type ThresholdOperator = '<' | '<=' | '>' | '>=' | '==' | '!=';

/** One parsed threshold expression. `aggregation` is `avg|min|max|med|count|rate|value|p(N)`. */
export interface Threshold {
  readonly source: string;
  readonly aggregation: string;
  readonly operator: ThresholdOperator;
  readonly value: number;
}

export interface ThresholdIssue {
  readonly source: string;
  readonly message: string;
}

const SELECTOR = /^([A-Za-z_][A-Za-z0-9_.]*)(?:\{([^}]*)\})?$/;
const EXPRESSION =
  /^\s*(avg|min|max|med|count|rate|value|p\(\s*(\d+(?:\.\d+)?)\s*\))\s*(<=|>=|==|!=|<|>)\s*(-?\d+(?:\.\d+)?(?:e-?\d+)?)\s*$/;

/**
 * @example parseSelector('http_req_duration{tier:edge}') // ok({ name: 'http_req_duration', tags: { tier: 'edge' } })
 */
export function parseSelector(text: string): Result<MetricSelector, ThresholdIssue> {
  const match = SELECTOR.exec(text.trim());
  if (match === null) return err({ source: text, message: 'expected metric or metric{tag:value,…}' });
  const tags: Record<string, string> = {};
  for (const pair of (match[2] ?? '').split(',')) {
    if (pair.trim() === '') continue;
    const colon = pair.indexOf(':');
    if (colon <= 0) return err({ source: text, message: `tag filter "${pair.trim()}": expected tag:value` });
    tags[pair.slice(0, colon).trim()] = pair.slice(colon + 1).trim();
  }
  return ok({ name: match[1] ?? '', tags });
}

/**
 * @example parseThreshold('p(95)<50') // ok({ aggregation: 'p(95)', operator: '<', value: 50, … })
 */
export function parseThreshold(text: string): Result<Threshold, ThresholdIssue> {
  const match = EXPRESSION.exec(text);
  if (match === null) {
    return err({ source: text, message: 'expected "<avg|min|max|med|count|rate|value|p(N)> <op> <number>"' });
  }
  const percentile = match[2];
  if (percentile !== undefined && Number(percentile) > 100) {
    return err({ source: text, message: `percentile ${percentile} is above 100` });
  }
  const aggregation = percentile === undefined ? (match[1] ?? '') : `p(${Number(percentile)})`;
  return ok({
    source: text,
    aggregation,
    operator: (match[3] ?? '<') as ThresholdOperator,
    value: Number(match[4]),
  });
}

/** Whether `actual` satisfies the threshold. */
export function thresholdPasses(threshold: Threshold, actual: number): boolean {
  const v = threshold.value;
  switch (threshold.operator) {
    case '<':
      return actual < v;
    case '<=':
      return actual <= v;
    case '>':
      return actual > v;
    case '>=':
      return actual >= v;
    case '==':
      return actual === v;
    case '!=':
      return actual !== v;
    default: {
      const unreachable: never = threshold.operator;
      throw new TypeError(`unknown operator ${String(unreachable)}`);
    }
  }
}

/** A scenario's thresholds (`{ 'metric{tag:v}': ['p(95)<50'] }`) parsed, or every issue found. */
export interface ParsedThresholds {
  readonly entries: readonly {
    readonly key: string;
    readonly selector: MetricSelector;
    readonly thresholds: readonly Threshold[];
  }[];
  readonly issues: readonly ThresholdIssue[];
}

/** Parses a k6 `thresholds` option; never throws. */
export function parseThresholds(options: Readonly<Record<string, readonly string[]>>): ParsedThresholds {
  const entries: ParsedThresholds['entries'][number][] = [];
  const issues: ThresholdIssue[] = [];
  for (const [key, expressions] of Object.entries(options)) {
    const selector = parseSelector(key);
    if (!selector.ok) {
      issues.push(selector.error);
      continue;
    }
    const thresholds: Threshold[] = [];
    for (const expression of expressions) {
      const parsed = parseThreshold(expression);
      if (parsed.ok) thresholds.push(parsed.value);
      else issues.push({ source: `${key}: ${expression}`, message: parsed.error.message });
    }
    entries.push({ key, selector: selector.value, thresholds });
  }
  return { entries, issues };
}
