/**
 * Hit-throughput runs of the shield bench: each server answers the same cached 1 MB and 2 KB objects
 * under the same load, interleaved round by round, and the median is kept. Load comes from wrk when
 * available (server-bound), else from load.ts `rate` (a Node client that saturates itself first on a
 * 2-core box). Every run also records the server's CPU time (/proc) and the load generator's, so a
 * client-bound run is flagged instead of being read as a server result. Does not judge goals.
 */
import { execFile } from 'node:child_process';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { runTimed, treeCpuSeconds } from './cpu.ts';
import { CLIENT_BOUND_CORES, type HitStats, type Measured } from './report.ts';
import { processTree, rssBytes, type Target } from './targets.ts';
import { getInsecure } from './tls.ts';
import { parseWrkOutput, wrkArgs, wrkDuration } from './wrk.ts';

const HERE = resolve(fileURLToPath(new URL('.', import.meta.url)));
const run = promisify(execFile);

/** Which load generator drives the hit runs. */
export type LoadGenerator =
  | { readonly kind: 'wrk'; readonly binary: string; readonly version: string }
  | { readonly kind: 'undici' };

/** Settings of the hit runs. */
export interface HitRunOptions {
  readonly generator: LoadGenerator;
  readonly connections: number;
  readonly durationMs: number;
  readonly rounds: number;
  /** wrk threads (default 1: one core at most, like one worker); the Node client ignores it. */
  readonly threads?: number;
  /** A wrk Lua script (wrk.ts wrkPaceScript) pacing every connection; wrk only. */
  readonly paceScript?: string;
  /** Which objects to run (default both). */
  readonly sizes?: readonly ('hit1mb' | 'hit2kb')[];
  readonly log: (line: string) => void;
}

/** One run against one server. CPU values are `undefined` when they could not be read. */
interface HitSample {
  readonly rps: number;
  readonly errors: number;
  readonly secs: number;
  readonly serverCpuSec: number | undefined;
  readonly loadgenCpuSec: number | undefined;
}

/**
 * Runs `node bench/shield/load.ts <args>` in its own process and parses its one JSON line.
 *
 * @example const storm = await runLoad<StormResult>(['storm', url, '500']);
 */
export async function runLoad<T>(args: readonly string[]): Promise<T> {
  const { stdout } = await run(process.execPath, [join(HERE, 'load.ts'), ...args], { maxBuffer: 64 << 20 });
  return JSON.parse(stdout) as T;
}

/**
 * How the report names the load generator, e.g. "wrk 4.1.0 -t1 -c50 -d3s" or "undici (load.ts) -c50 3000 ms".
 *
 * @example loadGeneratorLabel({ kind: 'undici' }, 50, 3000) // 'undici (load.ts) -c50 3000 ms'
 */
export function loadGeneratorLabel(
  gen: LoadGenerator,
  connections: number,
  durationMs: number,
  threads = 1,
): string {
  return gen.kind === 'wrk'
    ? `wrk ${gen.version} -t${threads} -c${connections} -d${wrkDuration(durationMs)}`
    : `undici (load.ts) -c${connections} ${durationMs} ms`;
}

interface RateResult {
  errors: number;
  rps: number;
  secs: number;
  cpuSec: number;
}

async function runHit(target: Target, url: string, opts: HitRunOptions): Promise<HitSample> {
  // Every serving process counts: nginx `auto` and a shield with SHIELD_WORKERS run several.
  const pids = processTree(target.pid);
  const before = treeCpuSeconds(pids);
  let sample: Omit<HitSample, 'serverCpuSec'>;
  if (opts.generator.kind === 'wrk') {
    const { stdout, cpuSec } = await runTimed(
      opts.generator.binary,
      wrkArgs(url, opts.connections, opts.durationMs, opts.threads ?? 1, opts.paceScript),
    );
    const r = parseWrkOutput(stdout);
    if (!r) throw new Error(`wrk output not understood:\n${stdout}`);
    sample = { rps: r.rps, errors: r.errors, secs: r.secs, loadgenCpuSec: cpuSec };
  } else {
    const r = await runLoad<RateResult>(['rate', url, String(opts.connections), String(opts.durationMs)]);
    sample = { rps: r.rps, errors: r.errors, secs: r.secs, loadgenCpuSec: r.cpuSec };
  }
  const after = treeCpuSeconds(pids);
  const serverCpuSec = before === undefined || after === undefined ? undefined : after - before;
  return { ...sample, serverCpuSec };
}

const median = (xs: readonly number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)] ?? Number.NaN;
};
/** Median of the defined values, `undefined` when none is. */
const medianOf = (xs: readonly (number | undefined)[]) => {
  const defined = xs.filter((x): x is number => x !== undefined && Number.isFinite(x));
  return defined.length === 0 ? undefined : median(defined);
};
const perSec = (cpu: number | undefined, secs: number) =>
  cpu === undefined || secs <= 0 ? undefined : cpu / secs;

/** CPU µs per answered request of one run. */
const usPerRequest = (cpuSec: number | undefined, s: HitSample) =>
  cpuSec === undefined || s.rps * s.secs <= 0 ? undefined : (cpuSec * 1e6) / (s.rps * s.secs);

/** Summarises one server's rounds on one object: raw medians, no rounding (report.ts formats). */
function stats(samples: readonly HitSample[], threads: number): HitStats {
  const loadgenCores = medianOf(samples.map((s) => perSec(s.loadgenCpuSec, s.secs)));
  return {
    rps: median(samples.map((s) => s.rps)),
    samples: samples.map((s) => Math.round(s.rps)),
    serverCores: medianOf(samples.map((s) => perSec(s.serverCpuSec, s.secs))),
    serverCpuUsPerReq: medianOf(samples.map((s) => usPerRequest(s.serverCpuSec, s))),
    loadgenCores,
    loadgenCpuUsPerReq: medianOf(samples.map((s) => usPerRequest(s.loadgenCpuSec, s))),
    clientBound: loadgenCores === undefined ? undefined : loadgenCores >= CLIENT_BOUND_CORES * threads,
  };
}

/**
 * Hit throughput, interleaved: round after round, each server gets the same short run in turn, and
 * the median per server is kept. Other work on a shared 2-core box then biases no column.
 *
 * @example await measureHits(targets, measured, { generator, connections: 50, durationMs: 3000, rounds: 3, log });
 */
export async function measureHits(
  targets: readonly Target[],
  measured: Map<Target, Measured>,
  opts: HitRunOptions,
): Promise<void> {
  const paths = (
    [
      ['hit1mb', '/hit/1mb.ts'],
      ['hit2kb', '/hit/2kb.m3u8'],
    ] as const
  ).filter(([key]) => opts.sizes?.includes(key) ?? true);
  const samples = new Map<string, HitSample[]>();
  for (const t of targets) for (const [, path] of paths) await getInsecure(`${t.url}${path}`);
  for (let round = 0; round < opts.rounds; round++) {
    for (const [key, path] of paths) {
      for (const t of targets) {
        const s = await runHit(t, `${t.url}${path}`, opts);
        const k = `${t.name}:${key}`;
        samples.set(k, [...(samples.get(k) ?? []), s]);
        const cores = (x: number | undefined) => (x === undefined ? '?' : x.toFixed(2));
        opts.log(
          `round ${round + 1}/${opts.rounds} ${t.name} ${path}: ${Math.round(s.rps)} req/s (${s.errors} errors), ` +
            `server ${cores(perSec(s.serverCpuSec, s.secs))} cores, load generator ${cores(perSec(s.loadgenCpuSec, s.secs))} cores`,
        );
      }
    }
  }
  for (const t of targets) {
    const m = measured.get(t);
    if (!m) continue;
    for (const [key] of paths) m[key] = stats(samples.get(`${t.name}:${key}`) ?? [], opts.threads ?? 1);
    m.rssAfterHitsMb = Math.round(rssBytes(t.pid) / 2 ** 20);
  }
}
