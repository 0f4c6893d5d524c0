/**
 * Assembles summary.json: k6's --summary-export shape (metrics, root_group) plus `edgeshield` with the
 * per-target analysis, threshold verdicts, scenario extras and notes. Pure over its inputs.
 */
import { contentKindOf } from '../src/core/hls/content-kind.ts';
import { labelAdvisory, thresholdsPassed } from './lib/advisory.ts';
import { type Analysis, analyze, type OriginCounts } from './lib/analysis.ts';
import { CLOUDFRONT_ON_DEMAND, type PriceTable } from './lib/cost.ts';
import { buildSummary, evaluateThresholds, type K6Summary, type ThresholdResult } from './lib/summary.ts';
import { parseThresholds } from './lib/thresholds.ts';
import type { RunResult } from './runner.ts';
import type { Scenario } from './scenario.ts';

export interface BenchSummary extends K6Summary {
  readonly edgeshield: {
    readonly scenario: string;
    readonly description: string;
    readonly startedAt: string;
    readonly durationSec: number;
    readonly seed: number;
    readonly thresholds: readonly ThresholdResult[];
    readonly passed: boolean;
    readonly analyses: readonly Analysis[];
    readonly extras: Record<string, unknown>;
    readonly notes: readonly string[];
  };
}

export interface ResultInputs {
  readonly scenario: Scenario;
  readonly run: RunResult;
  readonly originCounts: Readonly<Record<string, OriginCounts | undefined>>;
  readonly startedAt: string;
  readonly seed: number;
  readonly notes: readonly string[];
  readonly prices?: PriceTable;
  /** Latency thresholds decide the verdict too (default: advisory, see lib/advisory.ts). */
  readonly strictLatency?: boolean;
}

const kindOf = (object: string) => contentKindOf(object.split('?')[0] ?? object);

/**
 * Runs the scenario's finish hook and the per-target analysis, adds derived metrics (hit ratios,
 * origin requests per object) to the store so thresholds can name them, then evaluates thresholds.
 */
export function buildResults(input: ResultInputs): BenchSummary {
  const { scenario, run } = input;
  const prices = input.prices ?? CLOUDFRONT_ON_DEMAND;
  const targets = [...new Set(run.records.map((r) => r.target))].sort((a, b) =>
    a === 'edge' ? -1 : b === 'edge' ? 1 : a.localeCompare(b),
  );
  const analyses = targets.map((t) => analyze(run.records, t, input.originCounts[t], prices, kindOf));
  addDerivedMetrics(run, analyses);
  const notes = [...input.notes, ...run.notes];
  const extras =
    scenario.finish?.({
      records: run.records,
      metrics: run.metrics,
      notes,
      originCounts: input.originCounts,
    }) ?? {};
  const parsed = parseThresholds(scenario.options.thresholds ?? {});
  const thresholds = labelAdvisory(
    evaluateThresholds(run.metrics, parsed, run.durationSec),
    input.strictLatency === true,
  );
  const k6 = buildSummary(run.metrics, run.checks, thresholds, run.durationSec, parsed);
  return {
    ...k6,
    edgeshield: {
      scenario: scenario.name,
      description: scenario.description,
      startedAt: input.startedAt,
      durationSec: run.durationSec,
      seed: input.seed,
      thresholds,
      passed: thresholdsPassed(thresholds),
      analyses,
      extras,
      notes,
    },
  };
}

/**
 * Derived metrics as k6 samples, tagged `target` (and `kind` per object), so scenarios can write
 * thresholds like `origin_requests_per_object{kind:segment}: ['max<=1.0']` or `edge_hit_ratio: ['value>0.9']`.
 */
function addDerivedMetrics(run: RunResult, analyses: readonly Analysis[]): void {
  const m = run.metrics;
  for (const [name, type] of [
    ['origin_requests_per_object', 'trend'],
    ['shield_requests_per_object', 'trend'],
    ['edge_hit_ratio', 'gauge'],
    ['shield_hit_ratio', 'gauge'],
    ['combined_hit_ratio', 'gauge'],
    ['origin_offload', 'gauge'],
    ['edge_byte_hit_ratio', 'gauge'],
    ['egress_cost_usd', 'gauge'],
  ] as const)
    m.define(name, type);
  for (const a of analyses) {
    const tags = { target: a.target };
    m.add('edge_hit_ratio', a.tiers.edge.hitRatio, tags);
    m.add('edge_byte_hit_ratio', a.tiers.edge.byteHitRatio, tags);
    m.add('shield_hit_ratio', a.tiers.shield.hitRatio, tags);
    m.add('combined_hit_ratio', a.combinedHitRatio, tags);
    m.add('origin_offload', a.originOffload, tags);
    m.add('egress_cost_usd', a.cost.totalUsd, tags);
    for (const [metric, per] of [
      ['origin_requests_per_object', a.originRequestsPerObject],
      ['shield_requests_per_object', a.shieldRequestsPerObject],
    ] as const) {
      for (const [kind, stats] of Object.entries(per)) {
        if (kind === 'all') continue;
        for (const [count, objects] of Object.entries(stats.histogram)) {
          for (let i = 0; i < objects; i++) m.add(metric, Number(count), { ...tags, kind });
        }
      }
    }
  }
}
