/**
 * One bench run end to end, callable from the CLI and from the wiring test: start the local stack
 * (unless a target is given), run the scenario's setup, the runner, cleanup, then write summary.json
 * and report.html. Tears down exactly what it started, also on failure.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { OriginCounts } from './lib/analysis.ts';
import { type BenchStack, startBenchStack } from './local-stack.ts';
import { htmlReport } from './report-html.ts';
import { type BenchSummary, buildResults } from './results.ts';
import { runScenario } from './runner.ts';
import type { Scenario, SetupResult, StackNeeds } from './scenario.ts';

export interface BenchOptions {
  readonly scenario: Scenario;
  /** Output directory for summary.json and report.html. */
  readonly out: string;
  /** Edge base URL of an already running stack; the bench starts one when absent. */
  readonly target?: string;
  readonly duration?: string;
  readonly vus?: number;
  readonly seed?: number;
  readonly echo?: boolean;
  readonly progress?: (line: string, final: boolean) => void;
  readonly signal?: AbortSignal;
}

export interface BenchOutcome {
  readonly summary: BenchSummary;
  readonly summaryPath: string;
  readonly reportPath: string;
}

/** @example const { summary } = await runBench({ scenario: vodZipf, out: 'bench/out/x', duration: '5s', vus: 2 }) */
export async function runBench(options: BenchOptions): Promise<BenchOutcome> {
  const { scenario } = options;
  const seed = options.seed ?? 1;
  const notes: string[] = [];
  let stack: BenchStack | undefined;
  let setup: SetupResult | undefined;
  const startedAt = new Date().toISOString();
  try {
    if (options.target === undefined) {
      stack = await startBenchStack(scenario.stack ?? {}, options.echo ?? false);
    } else {
      notes.push(
        `external target ${options.target}: origin counts come from response headers (no counting proxy)`,
      );
    }
    const edge = options.target ?? stack?.edgeUrl ?? '';
    setup = await scenario.setup?.({
      targets: { edge },
      ...(stack === undefined
        ? {}
        : {
            packagerUrl: stack.packagerUrl,
            mediaRoot: stack.mediaRoot,
            startStack: (needs: StackNeeds) => startBenchStack(needs, options.echo ?? false),
          }),
    });
    notes.push(...(setup?.notes ?? []));
    const run = await runScenario(scenario, {
      targets: { edge, ...setup?.targets },
      seed,
      ...(setup?.params === undefined ? {} : { params: setup.params }),
      ...(options.duration === undefined ? {} : { duration: options.duration }),
      ...(options.vus === undefined ? {} : { vus: options.vus }),
      ...(options.progress === undefined ? {} : { progress: options.progress }),
      ...(options.signal === undefined ? {} : { signal: options.signal }),
      ...(stack?.sign === undefined ? {} : { sign: stack.sign }),
    });
    const originCounts: Record<string, OriginCounts | undefined> = { edge: stack?.origin.snapshot() };
    for (const [name, counter] of Object.entries(setup?.originCounters ?? {}))
      originCounts[name] = counter.snapshot();
    const summary = buildResults({ scenario, run, originCounts, startedAt, seed, notes });
    mkdirSync(options.out, { recursive: true });
    const summaryPath = join(options.out, 'summary.json');
    const reportPath = join(options.out, 'report.html');
    writeFileSync(summaryPath, `${JSON.stringify(summary, null, 2)}\n`);
    writeFileSync(reportPath, htmlReport(summary));
    return { summary, summaryPath, reportPath };
  } finally {
    await setup?.cleanup?.();
    await stack?.stop();
  }
}
