/**
 * One bench run end to end, callable from the CLI and from the tests: pick the stack (`--target`, else
 * the running local stack when its edge answers and serves the scenario's catalogue, else a private
 * stack it starts; `--private-stack` or Scenario.privateStack force the latter), probe a stack it did
 * not start with one (signed, when it has keys) request and stop on 401/403, run the scenario's setup,
 * the runner, cleanup, then write summary.json and report.html. Tears down exactly what it started,
 * also on failure; never a stack it did not start. Writes catalogue links only into its own
 * temporary media root.
 */
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { REPO_ROOT } from '../scripts/stack/start-stack.ts';
import { BenchTargetRefusedError } from './errors.ts';
import type { OriginCounts } from './lib/analysis.ts';
import {
  chooseStackMode,
  localStackUrls,
  needsProbe,
  type StackProbe,
  targetRefusal,
} from './lib/stack-mode.ts';
import {
  type BenchSigner,
  type BenchStack,
  catalogueServed,
  isBenchMediaRoot,
  linkCatalogue,
  localStackSigner,
  probeLocalStack,
  probeTarget,
  signerFromKeys,
  startBenchStack,
} from './local-stack.ts';
import { htmlReport } from './report-html.ts';
import { type BenchSummary, buildResults } from './results.ts';
import { runScenario } from './runner.ts';
import type { Scenario, SetupResult, StackNeeds } from './scenario.ts';

export interface BenchOptions {
  readonly scenario: Scenario;
  /** Output directory for summary.json and report.html. */
  readonly out: string;
  /** Edge base URL of an already running stack; without it the local stack is probed. */
  readonly target?: string;
  /** Start a private stack (counting proxy: exact origin counts) even when a local stack runs. */
  readonly privateStack?: boolean;
  /** EDGE_PORT / SHIELD_PORT / PACKAGER_PORT / PACKAGER_ROOT of the local stack (default process.env). */
  readonly env?: Readonly<Record<string, string | undefined>>;
  /** Where the chosen mode is announced (default stderr). */
  readonly log?: (line: string) => void;
  readonly duration?: string;
  readonly vus?: number;
  readonly seed?: number;
  readonly echo?: boolean;
  readonly progress?: (line: string, final: boolean) => void;
  readonly signal?: AbortSignal;
  /**
   * A dev-keys directory (`.dev-keys/` of `npm start`) whose keys sign every viewer's token against
   * `target` or the running local stack (default there: `.dev-keys/`). Ignored for a private stack.
   */
  readonly signKeys?: string;
  /** Latency thresholds decide the verdict (default: advisory, they measure the local dev server). */
  readonly strictLatency?: boolean;
}

/** What the probe asks for: a playlist, so the edge's auth (which runs before routing) must judge it. */
export const PROBE_PATH = '/vod/ts/master.m3u8';

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
  const env = options.env ?? process.env;
  const log = options.log ?? ((line: string) => process.stderr.write(`bench: ${line}\n`));
  const local = localStackUrls(env);
  const modeInput = {
    ...(options.target === undefined ? {} : { target: options.target }),
    forcePrivate: options.privateStack === true,
    ...(scenario.privateStack === undefined ? {} : { scenarioPrivate: scenario.privateStack }),
    local,
  };
  const titles = scenario.stack?.catalogueTitles ?? 0;
  let probe: StackProbe | undefined;
  let catalogue: { titles: number; served: boolean } | undefined;
  const mediaRoot = resolve(env.PACKAGER_ROOT || resolve(REPO_ROOT, '.media'));
  if (needsProbe(modeInput)) {
    probe = await probeLocalStack(local);
    if (probe.edge && titles > 0) {
      // Catalogue links go only into the bench's own temporary root, never an operator's media root.
      if (isBenchMediaRoot(mediaRoot) && existsSync(join(mediaRoot, 'vod', 'ts')))
        linkCatalogue(mediaRoot, titles);
      catalogue = { titles, served: await catalogueServed(local.packager, titles) };
    }
  }
  const mode = chooseStackMode({
    ...modeInput,
    ...(probe === undefined ? {} : { probe }),
    ...(catalogue === undefined ? {} : { catalogue }),
  });
  log(mode.message);
  notes.push(`stack: ${mode.message}`);
  const startExtra = (needs: StackNeeds) => startBenchStack(needs, options.echo ?? false);
  let sign: BenchSigner | undefined;
  try {
    let localContext = {};
    if (mode.kind === 'private') {
      stack = await startBenchStack(scenario.stack ?? {}, options.echo ?? false);
      sign = stack.sign;
      if (options.signKeys !== undefined)
        notes.push('--sign-keys ignored: a private stack verifies the dev keys it was started with');
    } else {
      notes.push(
        `${mode.kind === 'local' ? 'running local stack' : 'external target'} ${mode.edge}: origin counts come from response headers (no counting proxy; --private-stack for exact counts)`,
      );
      // npm start requires tokens: viewers sign with the dev keys it gave its edge, or the keys given.
      if (options.signKeys !== undefined) sign = await signerFromKeys(options.signKeys, mode.edge);
      else if (mode.kind === 'local') sign = await localStackSigner(mode.edge);
      // One request before any load: a token-gated edge without (the right) keys stops the run here.
      const answer = await probeTarget(mode.edge, PROBE_PATH, sign);
      const refusal = targetRefusal({ edge: mode.edge, path: PROBE_PATH, ...answer });
      if (refusal !== undefined) throw new BenchTargetRefusedError(refusal);
      if (sign !== undefined) notes.push('viewers sign their tokens (sub = viewer, sid = session)');
    }
    if (mode.kind === 'local') {
      localContext = { packagerUrl: local.packager, mediaRoot, startStack: startExtra };
    }
    const edge = mode.kind === 'private' ? (stack?.edgeUrl ?? '') : mode.edge;
    setup = await scenario.setup?.({
      targets: { edge },
      ...localContext,
      ...(stack === undefined
        ? {}
        : { packagerUrl: stack.packagerUrl, mediaRoot: stack.mediaRoot, startStack: startExtra }),
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
      ...(sign === undefined ? {} : { sign }),
      authRequired: mode.kind !== 'private' && sign !== undefined,
    });
    const originCounts: Record<string, OriginCounts | undefined> = { edge: stack?.origin.snapshot() };
    for (const [name, counter] of Object.entries(setup?.originCounters ?? {}))
      originCounts[name] = counter.snapshot();
    const summary = buildResults({
      scenario,
      run,
      originCounts,
      startedAt,
      seed,
      notes,
      strictLatency: options.strictLatency === true,
    });
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
