/**
 * The k6-style runner: schedules VUs and iterations per executor (bench/lib/executors.ts math),
 * runs the scenario's exec functions with a per-iteration context, records every request as k6
 * metrics and RequestRecords, prints a progress line, and stops everything by each executor's end
 * plus gracefulStop. Must not start or stop services (cli.ts and scenario setup do).
 */
import { contentKindOf } from '../src/core/hls/content-kind.ts';
import { createHttp, toRecord } from './http.ts';
import { durationMs } from './lib/duration.ts';
import {
  arrivalOffsets,
  type ExecutorConfig,
  executorDurationMs,
  executorIssues,
  vusAt,
} from './lib/executors.ts';
import { createMetricStore, type MetricStore, type Tags } from './lib/metrics.ts';
import { createRandom, seedOf } from './lib/prng.ts';
import { type RequestRecord, servedBy } from './lib/record.ts';
import { progressLine } from './progress.ts';
import type { IterationContext, Scenario, TokenSubject } from './scenario.ts';

export interface RunOptions {
  readonly targets: Readonly<Record<string, string>>;
  readonly seed: number;
  /** Overrides for every executor (CLI --duration / --vus). */
  readonly duration?: string;
  readonly vus?: number;
  readonly progress?: (line: string, final: boolean) => void;
  readonly sign?: (path: string, subject: TokenSubject) => Promise<string | undefined>;
  /** The edge requires tokens: viewers sign by default (IterationContext.authRequired). */
  readonly authRequired?: boolean;
  /** Aborts the whole run (Ctrl-C). */
  readonly signal?: AbortSignal;
  readonly params?: Readonly<Record<string, string>>;
}

export interface RunResult {
  readonly metrics: MetricStore;
  readonly records: RequestRecord[];
  readonly checks: Map<string, { passes: number; fails: number }>;
  readonly durationSec: number;
  readonly notes: string[];
}

/** Applies CLI overrides to an executor. */
export function withOverrides(config: ExecutorConfig, duration?: string, vus?: number): ExecutorConfig {
  let c: ExecutorConfig = config;
  if (duration !== undefined) {
    if (c.executor === 'constant-vus' || c.executor === 'constant-arrival-rate') c = { ...c, duration };
    if (c.executor === 'per-vu-iterations') c = { ...c, maxDuration: duration };
  }
  if (vus !== undefined) {
    if (c.executor === 'constant-vus' || c.executor === 'per-vu-iterations') c = { ...c, vus };
    if (c.executor === 'constant-arrival-rate' || c.executor === 'ramping-arrival-rate')
      c = { ...c, preAllocatedVUs: vus, maxVUs: Math.max(vus, c.maxVUs ?? vus) };
  }
  return c;
}

const sleep = (ms: number, signal?: AbortSignal) =>
  new Promise<void>((resolve) => {
    if (signal?.aborted) return resolve();
    const timer = setTimeout(done, Math.max(0, ms));
    function done() {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    }
    signal?.addEventListener('abort', done, { once: true });
  });

/** Runs every executor of `scenario` concurrently (each after its startTime) and collects results. */
export async function runScenario(scenario: Scenario, options: RunOptions): Promise<RunResult> {
  const metrics = createMetricStore();
  for (const [name, type] of [
    ['http_reqs', 'counter'],
    ['http_req_duration', 'trend'],
    ['http_req_waiting', 'trend'],
    ['http_req_failed', 'rate'],
    ['data_received', 'counter'],
    ['iterations', 'counter'],
    ['iteration_duration', 'trend'],
    ['dropped_iterations', 'counter'],
    ['vus', 'gauge'],
    ['vus_max', 'gauge'],
  ] as const)
    metrics.define(name, type);
  for (const [name, type] of Object.entries(scenario.metrics ?? {})) metrics.define(name, type);
  const records: RequestRecord[] = [];
  const checks = new Map<string, { passes: number; fails: number }>();
  const notes: string[] = [];
  const http = createHttp();
  const t0 = performance.now();
  const now = () => performance.now() - t0;
  let activeVus = 0;
  let maxVus = 0;

  const executors = Object.entries(scenario.options.scenarios).map(([name, raw]) => {
    const config = withOverrides(raw, options.duration, options.vus);
    const issues = executorIssues(name, config);
    if (issues.length > 0) throw new TypeError(`scenario ${scenario.name}: ${issues.join('; ')}`);
    const fn = scenario.exec[config.exec ?? 'default'];
    if (fn === undefined)
      throw new TypeError(
        `scenario ${scenario.name}.${name}: no exec function "${config.exec ?? 'default'}"`,
      );
    return { name, config, fn };
  });
  const totalMs = Math.max(
    ...executors.map(
      (e) => durationMs('startTime', e.config.startTime ?? '0s') + executorDurationMs(e.config),
    ),
  );

  const progressTimer = setInterval(
    () => options.progress?.(progressLine(now(), totalMs, records, activeVus), false),
    1000,
  );
  try {
    await Promise.all(executors.map((e) => runExecutor(e.name, e.config, e.fn)));
  } finally {
    clearInterval(progressTimer);
    await http.close();
  }
  options.progress?.(progressLine(now(), totalMs, records, activeVus), true);
  const durationSec = now() / 1000;
  metrics.add('vus_max', maxVus);
  return { metrics, records, checks, durationSec, notes };

  async function runExecutor(
    name: string,
    config: ExecutorConfig,
    fn: (ctx: IterationContext) => Promise<void>,
  ) {
    const startDelay = durationMs('startTime', config.startTime ?? '0s');
    await sleep(startDelay - now(), options.signal);
    const start = now();
    const end = start + executorDurationMs(config);
    const hardStop = new AbortController();
    const graceMs = durationMs('gracefulStop', config.gracefulStop ?? '5s');
    const stopAll = () => hardStop.abort();
    options.signal?.addEventListener('abort', stopAll, { once: true });
    const killTimer = setTimeout(stopAll, end - now() + graceMs);
    const tags: Tags = { scenario: name, ...config.tags };
    const iterationsByVu = new Map<number, number>();
    let nextVuId = 0;

    const iterate = async (vu: number) => {
      const iteration = iterationsByVu.get(vu) ?? 0;
      iterationsByVu.set(vu, iteration + 1);
      const seed = seedOf(options.seed, name, vu, iteration);
      const began = now();
      try {
        await fn(makeContext(name, vu, iteration, seed, hardStop.signal, tags, end));
      } catch (e) {
        if (!hardStop.signal.aborted)
          notes.push(`${name} vu ${vu}: ${e instanceof Error ? e.message : String(e)}`);
      }
      if (!hardStop.signal.aborted) {
        metrics.add('iterations', 1, tags);
        metrics.add('iteration_duration', now() - began, tags);
      }
    };
    const vuStarted = () => {
      activeVus++;
      maxVus = Math.max(maxVus, activeVus);
    };

    try {
      if (config.executor === 'constant-arrival-rate' || config.executor === 'ramping-arrival-rate') {
        const offsets = arrivalOffsets(config);
        const maxPool = Math.max(config.preAllocatedVUs, config.maxVUs ?? config.preAllocatedVUs);
        const idle: number[] = [];
        for (let i = 0; i < config.preAllocatedVUs; i++) idle.push(nextVuId++);
        const running = new Set<Promise<void>>();
        for (const offset of offsets) {
          await sleep(start + offset - now(), hardStop.signal);
          if (hardStop.signal.aborted || now() >= end) break;
          let vu = idle.pop();
          if (vu === undefined && nextVuId < maxPool) vu = nextVuId++;
          if (vu === undefined) {
            metrics.add('dropped_iterations', 1, tags);
            continue;
          }
          const id = vu;
          vuStarted();
          const p: Promise<void> = iterate(id).finally(() => {
            activeVus--;
            idle.push(id);
            running.delete(p);
          });
          running.add(p);
        }
        await Promise.all(running);
      } else if (config.executor === 'per-vu-iterations') {
        const perVu = config.iterations;
        const loops = Array.from({ length: config.vus }, async (_, id) => {
          vuStarted();
          try {
            for (let i = 0; i < perVu && now() < end && !hardStop.signal.aborted; i++) await iterate(id);
          } finally {
            activeVus--;
          }
        });
        await Promise.all(loops);
      } else {
        // Start VUs as the profile asks; a VU above the current target finishes its iteration and leaves.
        const loops: Promise<void>[] = [];
        const running = new Set<number>();
        const loop = async (id: number) => {
          vuStarted();
          try {
            while (now() < end && id < vusAt(config, now() - start) && !hardStop.signal.aborted)
              await iterate(id);
          } finally {
            activeVus--;
            running.delete(id);
          }
        };
        while (now() < end && !hardStop.signal.aborted) {
          const target = vusAt(config, now() - start);
          for (let id = 0; id < target; id++) {
            if (running.has(id)) continue;
            running.add(id);
            loops.push(loop(id));
          }
          metrics.add('vus', activeVus, tags);
          await sleep(100, hardStop.signal);
        }
        await Promise.all(loops);
      }
    } finally {
      clearTimeout(killTimer);
      options.signal?.removeEventListener('abort', stopAll);
    }
  }

  function makeContext(
    name: string,
    vu: number,
    iteration: number,
    seed: number,
    signal: AbortSignal,
    tags: Tags,
    deadline: number,
  ): IterationContext {
    return {
      deadline,
      params: options.params ?? {},
      vu,
      iteration,
      scenario: name,
      seed,
      runSeed: options.seed,
      random: createRandom(seed),
      targets: options.targets,
      signal,
      now,
      sleep: (ms) => sleep(ms, signal),
      sign: (path, subject) => options.sign?.(path, subject) ?? Promise.resolve(undefined),
      authRequired: options.authRequired === true,
      check(checkName, ok) {
        const c = checks.get(checkName) ?? { passes: 0, fails: 0 };
        if (ok) c.passes++;
        else c.fails++;
        checks.set(checkName, c);
        return ok;
      },
      add: (metric, value, extra) => metrics.add(metric, value, { ...tags, ...extra }),
      async get(pathOrUrl, opts = {}) {
        const target = opts.target ?? 'edge';
        const base = options.targets[target];
        if (base === undefined) throw new TypeError(`unknown target ${target}`);
        const url = new URL(pathOrUrl, base);
        const country = opts.country ?? 'US';
        const headers = { 'cf-ipcountry': country, ...opts.headers };
        const t = now();
        const result = await http.get(url, { headers, text: opts.text === true, signal });
        const record = toRecord(url, result, { t, target, country, scenario: name });
        if (signal.aborted && result.status === 0) return { status: 0, headers: {}, text: '', record };
        records.push(record);
        const rtags: Tags = {
          ...tags,
          ...opts.tags,
          target,
          tier: servedBy(record),
          kind: contentKindOf(url.pathname),
          country,
          status: String(result.status),
          ...(record.cache === undefined ? {} : { cache: record.cache }),
        };
        metrics.add('http_reqs', 1, rtags);
        metrics.add('http_req_duration', result.ttlb, rtags);
        metrics.add('http_req_waiting', result.ttfb, rtags);
        metrics.add('http_req_failed', result.status === 0 || result.status >= 400 ? 1 : 0, rtags);
        metrics.add('data_received', result.bytes, rtags);
        return { status: result.status, headers: result.headers, text: result.text, record };
      },
    };
  }
}
