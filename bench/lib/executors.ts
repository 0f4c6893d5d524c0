/**
 * k6 executors as data plus their scheduling math: how many VUs should be running at time t
 * (constant-vus, ramping-vus, per-vu-iterations) and at which offsets iterations start
 * (constant-arrival-rate, ramping-arrival-rate). Pure: times are ms offsets from the executor's start;
 * the runner owns the timers. Every schedule is finite (bounded duration and count).
 */
import { durationMs } from './duration.ts';

/** One k6 stage: move linearly to `target` over `duration`. */
export interface Stage {
  readonly duration: string;
  readonly target: number;
}

interface Common {
  /** Delay before this executor starts, relative to the test start (k6 `startTime`). */
  readonly startTime?: string;
  /** How long running iterations may finish after the executor's end (k6 default 30s; ours 5s). */
  readonly gracefulStop?: string;
  /** Extra tags on every sample from this executor. */
  readonly tags?: Readonly<Record<string, string>>;
  /** The scenario module's exported function to run (k6 `exec`); `default` when omitted. */
  readonly exec?: string;
}

export type ExecutorConfig =
  | (Common & { readonly executor: 'constant-vus'; readonly vus: number; readonly duration: string })
  | (Common & {
      readonly executor: 'ramping-vus';
      readonly startVUs?: number;
      readonly stages: readonly Stage[];
    })
  | (Common & {
      readonly executor: 'per-vu-iterations';
      readonly vus: number;
      readonly iterations: number;
      readonly maxDuration: string;
    })
  | (Common & {
      readonly executor: 'constant-arrival-rate';
      readonly rate: number;
      readonly timeUnit?: string;
      readonly duration: string;
      readonly preAllocatedVUs: number;
      readonly maxVUs?: number;
    })
  | (Common & {
      readonly executor: 'ramping-arrival-rate';
      readonly startRate?: number;
      readonly timeUnit?: string;
      readonly stages: readonly Stage[];
      readonly preAllocatedVUs: number;
      readonly maxVUs?: number;
    });

/** Hard cap on scheduled iterations of one arrival-rate executor (bounded memory and load). */
export const MAX_ARRIVALS = 200_000;

/** Total scheduled time of an executor (excluding startTime and gracefulStop), in ms. */
export function executorDurationMs(config: ExecutorConfig): number {
  switch (config.executor) {
    case 'constant-vus':
    case 'constant-arrival-rate':
      return durationMs(`${config.executor}.duration`, config.duration);
    case 'per-vu-iterations':
      return durationMs('per-vu-iterations.maxDuration', config.maxDuration);
    case 'ramping-vus':
    case 'ramping-arrival-rate':
      return config.stages.reduce((sum, s, i) => sum + durationMs(`stages[${i}].duration`, s.duration), 0);
    default: {
      const unreachable: never = config;
      throw new TypeError(`unknown executor ${JSON.stringify(unreachable)}`);
    }
  }
}

/**
 * Value at `tMs` of a piecewise-linear stage profile starting from `start` (VUs or a rate).
 * After the last stage the last target holds.
 *
 * @example stageValueAt(0, [{ duration: '10s', target: 10 }], 5_000) // 5
 */
export function stageValueAt(start: number, stages: readonly Stage[], tMs: number): number {
  let from = start;
  let elapsed = 0;
  for (const [i, stage] of stages.entries()) {
    const d = durationMs(`stages[${i}].duration`, stage.duration);
    if (tMs < elapsed + d) return from + ((stage.target - from) * (tMs - elapsed)) / d;
    elapsed += d;
    from = stage.target;
  }
  return from;
}

/** VUs a VU-based executor wants active at `tMs` (k6 rounds ramping VUs down). */
export function vusAt(config: ExecutorConfig, tMs: number): number {
  if (tMs < 0 || tMs >= executorDurationMs(config)) return 0;
  switch (config.executor) {
    case 'constant-vus':
    case 'per-vu-iterations':
      return config.vus;
    case 'ramping-vus':
      return Math.floor(stageValueAt(config.startVUs ?? 1, config.stages, tMs));
    default:
      return 0;
  }
}

/**
 * Start offsets (ms) of every iteration of an arrival-rate executor: iteration i starts when the
 * integral of the rate reaches i (the first at t = 0 when the rate there is positive). Within a
 * stage the rate is linear, so the integral is quadratic and each offset is solved exactly.
 *
 * @example arrivalOffsets({ executor: 'constant-arrival-rate', rate: 2, timeUnit: '1s', duration: '2s', preAllocatedVUs: 1 })
 *   // [0, 500, 1000, 1500]
 */
export function arrivalOffsets(config: ExecutorConfig, max = MAX_ARRIVALS): number[] {
  if (config.executor !== 'constant-arrival-rate' && config.executor !== 'ramping-arrival-rate') return [];
  const unit = durationMs('timeUnit', config.timeUnit ?? '1s');
  if (unit <= 0) throw new TypeError('timeUnit: expected a positive duration');
  const segments =
    config.executor === 'constant-arrival-rate'
      ? [{ d: executorDurationMs(config), r0: config.rate, r1: config.rate }]
      : stageSegments(config.startRate ?? 0, config.stages);
  const offsets: number[] = [];
  let t0 = 0;
  let done = 0; // iterations whose start time is already emitted
  let area = 0; // integral of the rate (iterations) at t0
  for (const { d, r0, r1 } of segments) {
    // rate in iterations per ms
    const a = r0 / unit;
    const b = r1 / unit;
    const segmentArea = ((a + b) / 2) * d;
    while (done < max && done < area + segmentArea - 1e-9) {
      const need = done - area; // iterations still to accumulate inside this segment
      offsets.push(t0 + solveLinearRateTime(a, b, d, need));
      done++;
    }
    area += segmentArea;
    t0 += d;
  }
  return offsets;
}

/** Smallest x in [0, d] with ∫0..x (a + (b − a)·s/d) ds = need. */
function solveLinearRateTime(a: number, b: number, d: number, need: number): number {
  if (need <= 0) return 0;
  const k = (b - a) / d; // slope
  if (Math.abs(k) < 1e-15) return a > 0 ? need / a : d;
  // (k/2)x² + a x − need = 0
  const disc = a * a + 2 * k * need;
  const x = (-a + Math.sqrt(Math.max(0, disc))) / k;
  return Math.min(d, Math.max(0, x));
}

function stageSegments(startRate: number, stages: readonly Stage[]) {
  let from = startRate;
  return stages.map((s, i) => {
    const seg = { d: durationMs(`stages[${i}].duration`, s.duration), r0: from, r1: s.target };
    from = s.target;
    return seg;
  });
}

/** Validation of a scenario's executors; returns human-readable issues (empty when fine). */
export function executorIssues(name: string, config: ExecutorConfig): string[] {
  const issues: string[] = [];
  const positiveInt = (field: string, v: number | undefined) => {
    if (v !== undefined && (!Number.isInteger(v) || v < 0))
      issues.push(`${name}.${field}: expected an integer >= 0, got ${v}`);
  };
  try {
    executorDurationMs(config);
    durationMs(`${name}.startTime`, config.startTime ?? '0s');
    durationMs(`${name}.gracefulStop`, config.gracefulStop ?? '5s');
  } catch (e) {
    issues.push(e instanceof Error ? e.message : String(e));
  }
  if ('vus' in config) positiveInt('vus', config.vus);
  if ('preAllocatedVUs' in config) positiveInt('preAllocatedVUs', config.preAllocatedVUs);
  if ('iterations' in config) positiveInt('iterations', config.iterations);
  return issues;
}
