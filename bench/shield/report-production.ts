/**
 * The production part of the shield bench report (issue 12): the shield with one worker per core vs
 * nginx `worker_processes auto` under wrk -t2, the same over TLS, a 1 MB miss storm against Varnish,
 * and RSS per shield worker. Pure: judges and formats numbers already measured; no I/O. Verdicts use
 * raw ratios, never the rounded text.
 */
import {
  atLeast,
  atMost,
  div,
  exactlyOne,
  type GoalVerdict,
  type HitStats,
  type Measured,
  verdictText,
} from './report.ts';

/** Idle RSS a shield worker may use above its share of the cache (issue 12). */
export const IDLE_RSS_GOAL_MIB = 64;

/**
 * One process's memory, MiB, from /proc/<pid>/smaps_rollup (bench/shield/smaps.ts). RSS counts the
 * `node` binary's file pages (~50 MiB) in every process; private is what the process alone holds; PSS
 * charges shared pages 1/N to each of the N processes that map them.
 */
export interface ProcessMemory {
  readonly rssMb: number;
  readonly privateMb: number;
  readonly pssMb: number;
}

/** Memory of one shield process, idle and after the hit runs. */
export interface ProcessRss {
  readonly pid: number;
  /** `primary` supervises workers and serves nothing; `worker` serves (a single-process shield is one worker). */
  readonly role: 'primary' | 'worker';
  /** Once started and settled; `undefined` when unreadable. */
  readonly idle: ProcessMemory | undefined;
  /** After the production hit runs; `undefined` when the process was gone. */
  readonly afterHits: ProcessMemory | undefined;
}

/** One server's hit runs in the production or TLS comparison. */
export interface HitPair {
  readonly shield?: HitStats;
  readonly nginx?: HitStats;
}

/**
 * A hit pair run with both servers offered the same request rate (wrk's `delay()` hook). At saturation
 * each server answers a different rate, and the faster one pays more contention on a box it shares with
 * wrk, so CPU per request compares fairly only at one rate.
 */
export interface PacedPair {
  /** Requests per second offered to each server: connections × 1000 / delayMs. */
  readonly offeredRps: number;
  /** wrk's wait after each response, per connection. */
  readonly delayMs: number;
  readonly pair: HitPair;
}

/** The production measurements; absent parts render as n/a with the reason in `notes`. */
export interface ProductionReport {
  /** os.availableParallelism(): the shield ran with SHIELD_WORKERS = this, nginx with `auto`. */
  readonly cores: number;
  /** e.g. "wrk 4.1.0 -t2 -c64 -d3s" */
  readonly loadGenerator: string;
  /** Serving processes the shield actually ran (1 when this build ignores SHIELD_WORKERS). */
  readonly shieldWorkers: number;
  readonly hit1mb: HitPair;
  readonly hit2kb: HitPair;
  /** Over HTTPS; undefined when skipped (see notes). */
  readonly tls?: { readonly hit1mb: HitPair; readonly hit2kb: HitPair };
  /** The same objects at one offered rate (a share of the slower server's saturated rate); wrk only. */
  readonly paced?: { readonly hit1mb?: PacedPair; readonly hit2kb?: PacedPair };
  /** 1 MB miss storm, per server. */
  readonly storm: {
    readonly clients: number;
    /** Interleaved rounds (a fresh object each); every row is storms.ts medianStorm of them. */
    readonly rounds?: number;
    readonly shield?: NonNullable<Measured['missStorm']>;
    readonly varnish?: NonNullable<Measured['missStorm']>;
    readonly nginx?: NonNullable<Measured['missStorm']>;
  };
  readonly rss: readonly ProcessRss[];
  readonly notes: readonly string[];
}

/**
 * Issue 12's goals, judged on raw values: hits ≥ 1.0× nginx (auto), CPU per hit ≤ 1.1× nginx's (at
 * the equal pace when it ran, else at saturation), the
 * 1 MB storm's TTLB p50 ≤ 1.0× Varnish with one packager request, idle RSS per worker ≤ 64 MiB (the
 * largest worker's RSS; private and PSS are in the markdown's memory summary).
 *
 * @example evaluateProductionGoals(production).filter((g) => g.pass === false) // goals missed
 */
export function evaluateProductionGoals(p: ProductionReport): GoalVerdict[] {
  const noNginx = 'no nginx (auto) column';
  const idle = largestIdle(p.rss, 'rssMb');
  return [
    ...SIZES.map(([size, key]) =>
      atLeast(
        `${size} hit ≥ 1.0× nginx (auto) req/s`,
        div(p[key].shield?.rps, p[key].nginx?.rps),
        1.0,
        noNginx,
      ),
    ),
    ...SIZES.map(([size, key]) => {
      const paced = p.paced?.[key];
      const pair = paced?.pair ?? p[key];
      const at = paced ? `both offered ${Math.round(paced.offeredRps)} req/s` : 'at saturation';
      return atMost(
        `${size} hit: server CPU per request ≤ 1.1× nginx (auto), ${at}`,
        div(pair.shield?.serverCpuUsPerReq, pair.nginx?.serverCpuUsPerReq),
        1.1,
        noNginx,
      );
    }),
    atMost(
      `1 MB × ${p.storm.clients} miss storm: waiter TTLB p50 ≤ 1.0× Varnish`,
      div(p.storm.shield?.ownTtlbP50, p.storm.varnish?.ownTtlbP50),
      1.0,
      'no Varnish column',
    ),
    exactlyOne(
      `1 MB × ${p.storm.clients} miss storm: exactly 1 packager request`,
      p.storm.shield?.upstreamRequests,
    ),
    idle === undefined
      ? { goal: idleGoal, value: undefined, kind: 'mib', pass: undefined, why: 'not measured' }
      : { goal: idleGoal, value: idle, kind: 'mib', pass: idle <= IDLE_RSS_GOAL_MIB },
  ];
}

const SIZES = [
  ['1 MB', 'hit1mb'],
  ['2 KB', 'hit2kb'],
] as const;

const idleGoal = `idle RSS ≤ ${IDLE_RSS_GOAL_MIB} MiB per worker (largest worker)`;

/** The largest idle `figure` over the workers (never the primary); `undefined` when none was read. */
function largestIdle(rss: readonly ProcessRss[], figure: keyof ProcessMemory): number | undefined {
  const values = rss.flatMap((r) => (r.role === 'worker' && r.idle ? [r.idle[figure]] : []));
  return values.length === 0 ? undefined : Math.max(...values);
}

/**
 * The sentence under the memory table: the goal is judged on RSS (issue 12's figure), and private and
 * PSS are set against the same bound so a reader sees which figure meets it.
 */
function memorySummary(rss: readonly ProcessRss[]): string {
  const [r, priv, pss] = (['rssMb', 'privateMb', 'pssMb'] as const).map((f) => largestIdle(rss, f));
  if (r === undefined || priv === undefined || pss === undefined) return 'Worker memory: not measured.';
  const against = (v: number) =>
    `${v} MiB (${v <= IDLE_RSS_GOAL_MIB ? 'within' : 'over'} ${IDLE_RSS_GOAL_MIB})`;
  return `Largest idle worker: RSS ${against(r)}, private ${against(priv)}, PSS ${against(pss)}. The goal row judges RSS, which counts the node binary's shared file pages (~50 MiB) in every process; private is what one worker alone holds (freed when it exits) and PSS its share of the host, so private and PSS are the per-worker cost above its share of the cache.`;
}

/**
 * The production section as markdown: hit table (plain and TLS), storm table, RSS table, goals.
 *
 * @example renderProductionMarkdown(production) // '### Production comparison …'
 */
export function renderProductionMarkdown(p: ProductionReport): string {
  const cell = (v: number | undefined, digits = 0) =>
    v === undefined || Number.isNaN(v) ? 'n/a' : v.toFixed(digits);
  const ratio = (a: number | undefined, b: number | undefined) => {
    const r = div(a, b);
    return r === undefined ? 'n/a' : `${r.toFixed(3)}×`;
  };
  const hitRows = (label: string, pair: HitPair | undefined) => {
    const row = (metric: string, get: (h: HitStats | undefined) => number | undefined, digits: number) =>
      `| ${label} ${metric} | ${cell(get(pair?.shield), digits)} | ${cell(get(pair?.nginx), digits)} | ${ratio(get(pair?.shield), get(pair?.nginx))} |`;
    const bound = (h: HitStats | undefined) =>
      `${cell(h?.loadgenCores, 2)}${h?.clientBound ? ' ⚠ client-bound' : ''}`;
    return [
      row('req/s', (h) => h?.rps, 0),
      row('server CPU µs/request', (h) => h?.serverCpuUsPerReq, 1),
      row('server CPU cores', (h) => h?.serverCores, 2),
      `| ${label} load generator cores | ${bound(pair?.shield)} | ${bound(pair?.nginx)} | n/a |`,
    ];
  };
  const storm = (get: (s: NonNullable<Measured['missStorm']>) => number, digits = 0) =>
    [p.storm.shield, p.storm.varnish, p.storm.nginx].map((s) => cell(s && get(s), digits));
  const stormRow = (label: string, get: (s: NonNullable<Measured['missStorm']>) => number) => {
    const [shield, varnish, nginx] = storm(get);
    const r = ratio(p.storm.shield && get(p.storm.shield), p.storm.varnish && get(p.storm.varnish));
    return `| ${label} | ${shield} | ${varnish} | ${nginx} | ${r} |`;
  };
  const memory = (m: ProcessMemory | undefined) =>
    m === undefined ? 'n/a' : `${m.rssMb} / ${m.privateMb} / ${m.pssMb}`;
  const workerLabel = `shield, SHIELD_WORKERS=${p.cores}${p.shieldWorkers === p.cores ? '' : ` (ran ${p.shieldWorkers} serving process${p.shieldWorkers === 1 ? '' : 'es'})`}`;
  const lines = [
    `### Production comparison (${p.cores} cores): ${p.loadGenerator}`,
    '',
    `| metric | ${workerLabel} | nginx proxy_cache, worker_processes auto | shield / nginx |`,
    '|---|---|---|---|',
    ...hitRows('1 MB hit,', p.hit1mb),
    ...hitRows('2 KB hit,', p.hit2kb),
    ...(p.tls === undefined
      ? ['| TLS hits | skipped (see notes) | skipped | n/a |']
      : [...hitRows('TLS 1 MB hit,', p.tls.hit1mb), ...hitRows('TLS 2 KB hit,', p.tls.hit2kb)]),
    ...SIZES.flatMap(([size, key]) => {
      const paced = p.paced?.[key];
      if (!paced) return [];
      return hitRows(
        `${size} hit at an equal pace (${Math.round(paced.offeredRps)} req/s offered, ${paced.delayMs} ms between a connection's requests),`,
        paced.pair,
      );
    }),
    '',
    `| 1 MB × ${p.storm.clients}-client miss storm${p.storm.rounds ? `, median of ${p.storm.rounds} interleaved rounds` : ''} | shield (${p.shieldWorkers} worker${p.shieldWorkers === 1 ? '' : 's'}) | Varnish | nginx (auto) | shield / Varnish |`,
    '|---|---|---|---|---|',
    stormRow('packager requests', (s) => s.upstreamRequests),
    stormRow('complete responses', (s) => s.ok),
    stormRow('waiter TTFB p50 (from its send), ms', (s) => s.ownTtfbP50),
    stormRow('waiter TTLB p50 (from its send), ms', (s) => s.ownTtlbP50),
    stormRow('waiter TTLB p50 (from storm start), ms', (s) => s.ttlbP50),
    stormRow('origin fill time, ms', (s) => s.originFillMs),
    '',
    '| shield process | role | idle RSS / private / PSS, MiB | after the hit runs RSS / private / PSS, MiB |',
    '|---|---|---|---|',
    ...p.rss.map((r) => `| ${r.pid} | ${r.role} | ${memory(r.idle)} | ${memory(r.afterHits)} |`),
    '',
    memorySummary(p.rss),
    '',
    '| goal (issue 12) | shield: measured — verdict |',
    '|---|---|',
    ...evaluateProductionGoals(p).map((g) => `| ${g.goal} | ${verdictText(g)} |`),
    '',
    'Server CPU counts every process of the server (nginx master and workers; shield primary and workers). nginx runs with sendfile on, as in production: on loopback part of its 1 MB copy cost is charged to the kernel outside its processes, so its 1 MB CPU per request reads low. At saturation the two servers answer different rates, and the faster one pays more contention for the cores it shares with wrk; the equal-pace rows offer both the same rate (60% of the saturated rate of the slower server, through the wrk `delay()` hook), and the CPU goals are judged there. The storm rows run on plain HTTP with the shield as configured for production; each round storms a fresh object on every server in turn, and a row shows the median of the rounds (packager requests: the most in any round; complete responses: the fewest).',
  ];
  for (const note of p.notes) lines.push('', `Note: ${note}`);
  return `${lines.join('\n')}\n`;
}
