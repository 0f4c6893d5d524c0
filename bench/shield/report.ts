/**
 * Verdicts and the markdown table for the shield bench: one column per server, ratios against nginx
 * or the origin's fill time, and a verdict per issue-6 goal. Pure: formats and judges numbers that
 * were already measured; no I/O. Verdicts use the raw (unrounded) ratios, so a 1.054× never passes a
 * ≤ 1.05× goal because it prints as "1.05".
 */

/**
 * One server's hit runs on one object: medians over the rounds, raw. CPU values are `undefined` when
 * they could not be read (no /proc; no /usr/bin/time for wrk's own CPU).
 */
export interface HitStats {
  /** Median req/s (2xx/3xx only), and every round's value. */
  rps: number;
  samples: number[];
  /** Server CPU seconds (user + system, all threads) per second of the run. */
  serverCores: number | undefined;
  /** Server CPU µs per answered request: the cost of a hit, independent of how fast the client drove it. */
  serverCpuUsPerReq: number | undefined;
  /** Load generator CPU seconds per second of the run. */
  loadgenCores: number | undefined;
  /** Load generator CPU µs per answered request: what receiving one response costs the client. */
  loadgenCpuUsPerReq: number | undefined;
  /** The load generator used ≥ CLIENT_BOUND_CORES: it set the pace, so req/s measure the client. */
  clientBound: boolean | undefined;
}

/** A load generator at or above this many cores was the bottleneck: the run measured the client. */
export const CLIENT_BOUND_CORES = 0.9;

/** Every server the bench can run; the one-worker table shows the first four. */
export type TargetName =
  | 'shield'
  | 'nginx'
  | 'nginx-sendfile-off'
  | 'bare-node'
  | 'shield-workers'
  | 'nginx-auto'
  | 'shield-tls'
  | 'nginx-tls'
  | 'varnish';

/** What one server measured (absent rows are "n/a"). Raw, unrounded values. */
export interface Measured {
  name: TargetName;
  hit1mb?: HitStats;
  hit2kb?: HitStats;
  rssAfterHitsMb?: number;
  missStorm?: {
    upstreamRequests: number;
    ok: number;
    /** p50 from the storm's start (before the load generator dispatched the first of N requests). */
    ttfbP50: number;
    ttlbP50: number;
    /** p50 of each waiter's own time from its request headers reaching the socket (k6's http_req_duration). */
    ownTtfbP50: number;
    ownTtlbP50: number;
    /** p50 of when the requests left the load generator, from the storm's start. */
    sentAtP50: number;
    originFillMs: number;
    /** Responses per x-cache value. */
    cache: Record<string, number>;
  };
  expiredStorm?: {
    upstreamRequests: number;
    ok: number;
    ttlbP50: number;
    cache: Record<string, number>;
    /** How long after priming the storm started. */
    waitedMs: number;
    /** False when every client got a fresh HIT: the copy had not expired and the row means nothing. */
    valid: boolean;
  };
  rss?: {
    cacheLimitMb: number;
    cacheUsedMb: number;
    evictions: number;
    baselineMb: number;
    peakMb: number;
    overheadMb: number;
  };
}

/** The bench report written to latest.json. */
export interface BenchReport {
  at: string;
  durationMs: number;
  rounds: number;
  connections: number;
  /** What drove the hit runs, e.g. "wrk 4.1.0 -t1 -c50 -d3s" or "undici (load.ts) -c50 3000 ms". */
  loadGenerator: string;
  /** 1/5/15-minute load average at the end: other work on the box makes every number noisier. */
  loadavg: number[];
  clients: number;
  notes: string[];
  measured: Measured[];
  rss: Measured['rss'];
}

/** One issue-6 goal and how the shield did. `pass` is undefined when it could not be measured. */
export interface GoalVerdict {
  readonly goal: string;
  /** The measured value the goal is about: a ratio (raw), a count or MiB. */
  readonly value: number | undefined;
  readonly kind: 'ratio' | 'count' | 'mib';
  readonly pass: boolean | undefined;
  /** Why the goal is n/a, when it is. */
  readonly why?: string;
}

/** a / b, `undefined` when either is missing or NaN or b is 0. */
export const div = (a: number | undefined, b: number | undefined): number | undefined =>
  a === undefined || b === undefined || b === 0 || Number.isNaN(a) || Number.isNaN(b) ? undefined : a / b;

export const atLeast = (goal: string, value: number | undefined, min: number, why: string): GoalVerdict =>
  value === undefined
    ? { goal, value, kind: 'ratio', pass: undefined, why }
    : { goal, value, kind: 'ratio', pass: value >= min };
export const atMost = (goal: string, value: number | undefined, max: number, why: string): GoalVerdict =>
  value === undefined
    ? { goal, value, kind: 'ratio', pass: undefined, why }
    : { goal, value, kind: 'ratio', pass: value <= max };
export const exactlyOne = (goal: string, value: number | undefined): GoalVerdict => ({
  goal,
  value,
  kind: 'count',
  pass: value === undefined ? undefined : value === 1,
  ...(value === undefined ? { why: 'not measured' } : {}),
});

/**
 * The issue-6 goals judged on raw ratios. Goals against nginx are n/a without an nginx column.
 *
 * @example evaluateGoals(report).filter((g) => g.pass === false) // goals missed
 */
export function evaluateGoals(report: BenchReport): GoalVerdict[] {
  const shield = report.measured.find((m) => m.name === 'shield');
  const nginx = report.measured.find((m) => m.name === 'nginx');
  const noNginx = 'no nginx column';
  return [
    atLeast(
      '1 MB hit ≥ 1.0× nginx req/s',
      div(shield?.hit1mb?.rps, bestNginx(report, 'hit1mb')),
      1.0,
      noNginx,
    ),
    atLeast(
      '2 KB hit ≥ 0.8× nginx req/s',
      div(shield?.hit2kb?.rps, bestNginx(report, 'hit2kb')),
      0.8,
      noNginx,
    ),
    exactlyOne('miss storm: exactly 1 upstream request', shield?.missStorm?.upstreamRequests),
    atMost(
      'miss storm: waiter TTFB p50 ≤ 0.8× nginx',
      div(shield?.missStorm?.ownTtfbP50, nginx?.missStorm?.ownTtfbP50),
      0.8,
      noNginx,
    ),
    atMost(
      'miss storm: waiter TTLB p50 ≤ 1.05× origin fill',
      div(shield?.missStorm?.ownTtlbP50, shield?.missStorm?.originFillMs),
      1.05,
      'not measured',
    ),
    exactlyOne('expired storm: exactly 1 upstream request', shield?.expiredStorm?.upstreamRequests),
  ];
}

/**
 * The faster nginx configuration's req/s for a hit size (sendfile on or off): hit goals are judged
 * against the stronger baseline.
 *
 * @example bestNginx(report, 'hit1mb') // 3481.2
 */
export function bestNginx(report: BenchReport, key: 'hit1mb' | 'hit2kb'): number | undefined {
  const rates = report.measured
    .filter((m) => m.name === 'nginx' || m.name === 'nginx-sendfile-off')
    .map((m) => m[key]?.rps)
    .filter((r): r is number => r !== undefined && !Number.isNaN(r));
  return rates.length === 0 ? undefined : Math.max(...rates);
}

/**
 * One verdict as table text: the value, then PASS, **FAIL** or n/a with the reason.
 *
 * @example verdictText({ goal: 'x', value: 1.02, kind: 'ratio', pass: true }) // '1.020× — PASS'
 */
export const verdictText = (g: GoalVerdict): string => {
  const value =
    g.value === undefined
      ? 'n/a'
      : g.kind === 'ratio'
        ? `${g.value.toFixed(3)}×`
        : g.kind === 'mib'
          ? `${g.value.toFixed(0)} MiB`
          : String(g.value);
  const mark = g.pass === undefined ? `n/a (${g.why ?? 'not measured'})` : g.pass ? 'PASS' : '**FAIL**';
  return `${value} — ${mark}`;
};

/**
 * Renders the report as markdown: measurements, then one verdict row per goal.
 *
 * @example renderMarkdown(report) // '| metric | shield | nginx … |'
 */
export function renderMarkdown(report: BenchReport): string {
  const by = (name: Measured['name']) => report.measured.find((m) => m.name === name);
  const shield = by('shield');
  const nginx = by('nginx');
  const nginxNoSendfile = by('nginx-sendfile-off');
  const bare = by('bare-node');
  const cell = (v: number | undefined, digits = 0) =>
    v === undefined || Number.isNaN(v) ? 'n/a' : v.toFixed(digits);
  const ratio = (a: number | undefined, b: number | undefined) => {
    const r = div(a, b);
    return r === undefined ? 'n/a' : `${r.toFixed(3)}×`;
  };
  // `against`: the value the ratio column divides by (default: nginx as configured in production).
  const row = (
    label: string,
    get: (m: Measured | undefined) => number | undefined,
    digits = 0,
    against: number | undefined = get(nginx),
  ) =>
    `| ${label} | ${cell(get(shield), digits)} | ${cell(get(nginx), digits)} | ${cell(get(nginxNoSendfile), digits)} | ${cell(get(bare), digits)} | ${ratio(get(shield), against)} |`;
  // The load generator's cores, flagged where it was the bottleneck (its ratio column means nothing).
  const loadgenRow = (label: string, get: (m: Measured | undefined) => HitStats | undefined) => {
    const flagged = (m: Measured | undefined) =>
      `${cell(get(m)?.loadgenCores, 2)}${get(m)?.clientBound ? ' ⚠ client-bound' : ''}`;
    return `| ${label} | ${flagged(shield)} | ${flagged(nginx)} | ${flagged(nginxNoSendfile)} | ${flagged(bare)} | n/a |`;
  };
  const hitRows = (size: string, get: (m: Measured | undefined) => HitStats | undefined) => [
    row(`${size} hit, server CPU cores`, (m) => get(m)?.serverCores, 2),
    row(`${size} hit, server CPU µs/request`, (m) => get(m)?.serverCpuUsPerReq, 1),
    loadgenRow(`${size} hit, load generator cores`, get),
    row(`${size} hit, load generator CPU µs/response`, (m) => get(m)?.loadgenCpuUsPerReq, 1),
  ];
  const clientBound = report.measured.flatMap((m) => [
    ...(m.hit1mb?.clientBound ? [`${m.name} 1 MB`] : []),
    ...(m.hit2kb?.clientBound ? [`${m.name} 2 KB`] : []),
  ]);
  const expiredCell = (m: Measured | undefined) =>
    m?.expiredStorm === undefined
      ? 'n/a'
      : m.expiredStorm.valid
        ? String(m.expiredStorm.upstreamRequests)
        : `${m.expiredStorm.upstreamRequests} (invalid: every client got a fresh HIT)`;
  const fill = shield?.missStorm?.originFillMs;
  const goals = evaluateGoals(report);
  const lines = [
    `Shield bench, ${report.at} — hit runs: load generator ${report.loadGenerator} (${report.connections} keep-alive connections), ${report.rounds} interleaved rounds, median shown; storms of ${report.clients} clients (undici, load.ts) on pre-opened connections; every load generator in its own process; load average at the end ${report.loadavg.join(' / ')}.`,
    '',
    '| metric | shield | nginx proxy_cache | nginx, sendfile off | bare Node | shield / nginx ¹ |',
    '|---|---|---|---|---|---|',
    row('1 MB hit, req/s', (m) => m?.hit1mb?.rps, 0, bestNginx(report, 'hit1mb')),
    ...hitRows('1 MB', (m) => m?.hit1mb),
    row('2 KB playlist hit, req/s', (m) => m?.hit2kb?.rps, 0, bestNginx(report, 'hit2kb')),
    ...hitRows('2 KB', (m) => m?.hit2kb),
    row('miss storm: upstream requests', (m) => m?.missStorm?.upstreamRequests),
    row('miss storm: waiter TTFB p50 (from its send), ms', (m) => m?.missStorm?.ownTtfbP50),
    row('miss storm: waiter TTLB p50 (from its send), ms', (m) => m?.missStorm?.ownTtlbP50),
    row('miss storm: waiter TTLB p50 (from storm start), ms', (m) => m?.missStorm?.ttlbP50),
    row('miss storm: load generator send delay p50, ms', (m) => m?.missStorm?.sentAtP50),
    row('miss storm: origin fill time, ms', (m) => m?.missStorm?.originFillMs),
    `| expired storm: upstream requests | ${expiredCell(shield)} | ${expiredCell(nginx)} | n/a | n/a | n/a |`,
    row('expired storm: wait after priming, ms', (m) => m?.expiredStorm?.waitedMs),
    row('expired storm: TTLB p50, ms', (m) => m?.expiredStorm?.ttlbP50),
    row('RSS after hit runs, MiB', (m) => m?.rssAfterHitsMb),
    '',
    '| goal (issue 6) | shield: measured — verdict |',
    '|---|---|',
    ...goals.map((g) => `| ${g.goal} | ${verdictText(g)} |`),
    '',
    '¹ Hit req/s rows divide by the faster nginx configuration (sendfile on or off); every other row by nginx as configured in production (sendfile on). Storms run against that one.',
    '',
    'Server CPU µs/request: user + system CPU time of the serving process during the run (/proc/<pid>/stat; nginx: its one worker) ÷ requests answered. Lower is cheaper; unlike req/s it stays comparable when the load generator, not the server, sets the pace.',
    ...(clientBound.length === 0
      ? []
      : [
          '',
          `**Client-bound:** the load generator used ≥ ${CLIENT_BOUND_CORES} core during ${clientBound.join(', ')}: the client's CPU set the pace there. What a response costs the client depends on the server that sent it (row "load generator CPU µs/response"), so that req/s is still what this box delivers from that server; compare server CPU µs/request for the server's own cost. The goal verdicts above judge the raw req/s.`,
        ]),
    '',
    `Shield miss-storm TTLB / origin fill: ${ratio(shield?.missStorm?.ownTtlbP50, fill)} from each waiter's send (the goal), ${ratio(shield?.missStorm?.ttlbP50, fill)} from the storm's start (includes the load generator's own dispatch delay).`,
  ];
  for (const m of [shield, nginx]) {
    if (m?.missStorm && m.expiredStorm) {
      lines.push(
        '',
        `x-cache seen by ${m.name}'s clients — miss storm: ${JSON.stringify(m.missStorm.cache)}, expired storm: ${JSON.stringify(m.expiredStorm.cache)}.`,
      );
    }
  }
  if (report.rss) {
    const r = report.rss;
    lines.push(
      '',
      `RSS under load (shield, SHIELD_CACHE_BYTES=${r.cacheLimitMb} MiB, 600 distinct 1 MB objects then hits): baseline ${r.baselineMb} MiB, peak ${r.peakMb} MiB, cache holds ${r.cacheUsedMb} MiB after ${r.evictions} evictions → peak overhead over the cache bound ${r.overheadMb} MiB.`,
    );
  }
  for (const note of report.notes) lines.push('', `Note: ${note}`);
  return `${lines.join('\n')}\n`;
}
