/**
 * What a scenario module is: k6's `options` (executors, thresholds), exec functions run once per
 * iteration by virtual users, and hooks. Types only; the runner (runner.ts) gives them life.
 * Scenario modules must not start processes themselves except in `setup` (baselines), and must
 * stop everything they started in the cleanup `setup` returns.
 */
import type { ExecutorConfig } from './lib/executors.ts';
import type { MetricStore, MetricType, Tags } from './lib/metrics.ts';
import type { Random } from './lib/prng.ts';
import type { RequestRecord } from './lib/record.ts';

/** Needs a scenario has of a stack the bench starts itself (ignored with --target). */
export interface StackNeeds {
  /** Number of VOD titles under /cat/tNNNN/ (each a copy of /vod/ts). Default 0. */
  readonly catalogueTitles?: number;
  readonly edgeVars?: Record<string, string>;
  readonly shieldEnv?: Record<string, string>;
  readonly packagerEnv?: Record<string, string>;
}

/** A measured response: status, headers, body text for playlists, timings. */
export interface BenchResponse {
  readonly status: number;
  readonly headers: Readonly<Record<string, string>>;
  /** The body as text when asked for (playlists); '' otherwise. */
  readonly text: string;
  readonly record: RequestRecord;
}

export interface GetOptions {
  /** Which service to call: a key of `targets` (default `edge`). */
  readonly target?: string;
  readonly headers?: Record<string, string>;
  readonly tags?: Tags;
  /** Country the request pretends to come from (sent as CF-IPCountry, tagged for egress). */
  readonly country?: string;
  /** Keep the body as text (playlists). */
  readonly text?: boolean;
}

/** Per-iteration context handed to exec functions. */
export interface IterationContext {
  readonly vu: number;
  readonly iteration: number;
  /** The executor (k6 scenario) name. */
  readonly scenario: string;
  /** Deterministic per VU and iteration. */
  readonly random: Random;
  /** Seed of `random`: mixes the run seed, the executor's name, the VU and the iteration. */
  readonly seed: number;
  /** The run's `--seed`, for scenarios that replay one trace under several executors (token-churn). */
  readonly runSeed: number;
  /** Base URLs by target name; `edge` always present. */
  readonly targets: Readonly<Record<string, string>>;
  /** Aborted at the executor's end + gracefulStop. */
  readonly signal: AbortSignal;
  /** ms since test start at which this executor's schedule ends (viewers should leave by then). */
  readonly deadline: number;
  /** Values the scenario's setup chose (e.g. the LL-HLS path it found). */
  readonly params: Readonly<Record<string, string>>;
  get(pathOrUrl: string, options?: GetOptions): Promise<BenchResponse>;
  check(name: string, ok: boolean): boolean;
  /** Custom metric sample (the metric must be declared in `metrics`). */
  add(metric: string, value: number, tags?: Tags): void;
  sleep(ms: number): Promise<void>;
  /** ms since the test started. */
  now(): number;
  /**
   * A token for `path` (its directory is the ACL) carrying the viewer's `sub` and session `sid`, signed
   * with the stack's dev keys when the bench started the stack; else undefined (use a synthetic token).
   */
  sign(path: string, subject: TokenSubject): Promise<string | undefined>;
  /**
   * The target edge requires tokens (a running `npm start` stack): viewers sign unless a scenario
   * explicitly asks for none.
   */
  readonly authRequired?: boolean;
}

/** Who a signed token is for: JWT `sub` (the viewer) and `sid` (the playback session). */
export interface TokenSubject {
  readonly sub: string;
  readonly sid: string;
}

/** What `setup` may return: extra targets and notes, and a cleanup. */
export interface SetupResult {
  readonly targets?: Readonly<Record<string, string>>;
  /** Origin counters per target (baselines have their own counting proxy). */
  readonly originCounters?: Readonly<Record<string, OriginCounter>>;
  readonly notes?: readonly string[];
  readonly params?: Readonly<Record<string, string>>;
  cleanup?(): Promise<void>;
}

/** Requests and bytes per object seen by a counting proxy in front of a packager. */
export interface OriginCounter {
  snapshot(): Map<string, { requests: number; bytes: number }>;
}

export interface SetupContext {
  readonly targets: Readonly<Record<string, string>>;
  /** The packager URL when the bench started the stack (for baselines). */
  readonly packagerUrl?: string;
  readonly mediaRoot?: string;
  /**
   * Starts another private stack (packager → counting proxy → shield → edge) for scenarios that
   * compare two configurations; absent with --target. The scenario stops it in its cleanup.
   */
  readonly startStack?: (needs: StackNeeds) => Promise<ExtraStack>;
}

/** A second stack a scenario started through SetupContext.startStack. */
export interface ExtraStack {
  readonly edgeUrl: string;
  readonly origin: OriginCounter;
  stop(): Promise<void>;
}

/** Facts available after the run for scenario-specific extras (ideal hit ratio, phase deltas). */
export interface FinishContext {
  readonly records: readonly RequestRecord[];
  /** Origin requests/bytes per object by target, when a counting proxy saw them. */
  readonly originCounts: Readonly<
    Record<string, ReadonlyMap<string, { readonly requests: number; readonly bytes: number }> | undefined>
  >;
  readonly metrics: MetricStore;
  readonly notes: string[];
}

export interface Scenario {
  readonly name: string;
  /** What failure mode this reproduces, and what good looks like (shown in report and --list). */
  readonly description: string;
  readonly options: {
    readonly scenarios: Readonly<Record<string, ExecutorConfig>>;
    readonly thresholds?: Readonly<Record<string, readonly string[]>>;
  };
  /** Custom metrics the scenario adds (name → type). */
  readonly metrics?: Readonly<Record<string, MetricType>>;
  readonly stack?: StackNeeds;
  /**
   * Why the scenario needs a stack the bench starts (configuration or counting proxies a running
   * `npm start` stack lacks); without it the bench runs against a running local stack when one answers.
   */
  readonly privateStack?: string;
  readonly exec: Readonly<Record<string, (ctx: IterationContext) => Promise<void>>>;
  setup?(ctx: SetupContext): Promise<SetupResult>;
  /** Adds derived samples/notes after the run, before thresholds are evaluated; may return extras for summary.json. */
  finish?(ctx: FinishContext): Record<string, unknown> | undefined;
}
