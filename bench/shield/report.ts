/**
 * Markdown table for the shield bench: one column per server, ratios against nginx. Pure
 * formatting of already-measured numbers.
 */

/** What one server measured (absent rows are "n/a"). */
export interface Measured {
  name: 'shield' | 'nginx' | 'bare-node';
  /** Median req/s over the rounds, and every round's value. */
  hit1mb?: { rps: number; samples: number[] };
  hit2kb?: { rps: number; samples: number[] };
  rssAfterHitsMb?: number;
  missStorm?: {
    upstreamRequests: number;
    ok: number;
    ttfbP50: number;
    ttlbP50: number;
    originFillMs: number;
    /** Responses per x-cache value. */
    cache: Record<string, number>;
  };
  expiredStorm?: { upstreamRequests: number; ok: number; ttlbP50: number; cache: Record<string, number> };
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
  /** 1/5/15-minute load average at the end: other work on the box makes every number noisier. */
  loadavg: number[];
  clients: number;
  notes: string[];
  measured: Measured[];
  rss: Measured['rss'];
}

/**
 * Renders the report as markdown.
 *
 * @example renderMarkdown(report) // '| metric | shield | nginx … |'
 */
export function renderMarkdown(report: BenchReport): string {
  const by = (name: Measured['name']) => report.measured.find((m) => m.name === name);
  const shield = by('shield');
  const nginx = by('nginx');
  const bare = by('bare-node');
  const cell = (v: number | undefined) => (v === undefined || Number.isNaN(v) ? 'n/a' : String(v));
  const ratio = (a: number | undefined, b: number | undefined) =>
    a === undefined || b === undefined || b === 0 || Number.isNaN(a) || Number.isNaN(b)
      ? 'n/a'
      : `${(a / b).toFixed(2)}×`;
  const row = (label: string, get: (m: Measured | undefined) => number | undefined) =>
    `| ${label} | ${cell(get(shield))} | ${cell(get(nginx))} | ${cell(get(bare))} | ${ratio(get(shield), get(nginx))} |`;
  const fill = shield?.missStorm?.originFillMs;
  const lines = [
    `Shield bench, ${report.at} — hit runs: ${report.connections} keep-alive connections × ${report.durationMs} ms, ${report.rounds} interleaved rounds, median shown; storms of ${report.clients} clients on pre-opened connections; load generator in its own process; load average at the end ${report.loadavg.join(' / ')}.`,
    '',
    '| metric | shield | nginx proxy_cache | bare Node | shield / nginx |',
    '|---|---|---|---|---|',
    row('1 MB hit, req/s', (m) => m?.hit1mb?.rps),
    row('2 KB playlist hit, req/s', (m) => m?.hit2kb?.rps),
    row('miss storm: upstream requests', (m) => m?.missStorm?.upstreamRequests),
    row('miss storm: waiter TTFB p50, ms', (m) => m?.missStorm?.ttfbP50),
    row('miss storm: waiter TTLB p50, ms', (m) => m?.missStorm?.ttlbP50),
    row('miss storm: origin fill time, ms', (m) => m?.missStorm?.originFillMs),
    row('expired storm: upstream requests', (m) => m?.expiredStorm?.upstreamRequests),
    row('expired storm: TTLB p50, ms', (m) => m?.expiredStorm?.ttlbP50),
    row('RSS after hit runs, MiB', (m) => m?.rssAfterHitsMb),
    '',
    `Shield miss-storm TTLB / origin fill time: ${ratio(shield?.missStorm?.ttlbP50, fill)}.`,
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
