/**
 * Shield bench (`npm run bench:shield [-- --duration 5000 --connections 50 --clients 500 --no-nginx
 * --no-production]`): the shield vs nginx proxy_cache vs bare Node, same pass, same fake origin, load
 * from a separate process. One-worker part (SHIELD_WORKERS=1, nginx `worker_processes 1`, wrk -t1):
 * 1 MB and 2 KB hit req/s with each server's CPU per request (load from wrk, installed when absent and
 * root; else the Node client in load.ts, whose runs are flagged when client-bound), a miss storm
 * (upstream requests, TTFB/TTLB p50 against the origin's fill time), an expired storm (upstream
 * requests), and the shield's RSS under a load that overflows its cache. Production part
 * (production.ts, issue 12): one worker per core vs nginx `auto` with wrk -t2, the same over TLS, a
 * 1 MB miss storm vs Varnish, RSS / private / PSS per worker. Every shield run is the JavaScript build
 * (`npm run build:shield`, made fresh into dist/bench-shield-* and removed after), as production runs it. Writes bench/shield/results/latest.{json,md} (or --out
 * DIR). Bounded; 127.0.0.1 only.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseCliArgs } from '../../scripts/cli-args.ts';
import { type LoadGenerator, loadGeneratorLabel, measureHits, runLoad } from './hits.ts';
import { type BenchOrigin, EXPIRED_MAX_AGE_SEC, startBenchOrigin } from './origin.ts';
import { measureProduction } from './production.ts';
import { evaluateGoals, type Measured, renderMarkdown } from './report.ts';
import { evaluateProductionGoals, renderProductionMarkdown } from './report-production.ts';
import { missStorm, p50, type StormResult, tally } from './storms.ts';
import {
  buildShield,
  ensureNginx,
  ensureVarnish,
  ensureWrk,
  rssBytes,
  startBareTarget,
  startNginxTarget,
  startShieldTarget,
  type Target,
} from './targets.ts';
import { wrkVersion } from './wrk.ts';

const HERE = resolve(fileURLToPath(new URL('.', import.meta.url)));
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

const USAGE = `usage: npm run bench:shield [-- --duration MS --rounds N --connections N --prod-connections N
                            --clients N --no-production --no-nginx --out DIR]
  Shield vs nginx proxy_cache vs bare Node (and Varnish for the storm); writes DIR/latest.{json,md}.
  Exit 0 all goals met, 99 a goal missed (README "npm run bench:shield"), 64 bad usage.`;

const { values } = parseCliArgs('bench:shield', USAGE, {
  options: {
    help: { type: 'boolean', default: false },
    duration: { type: 'string', default: '3000' },
    rounds: { type: 'string', default: '3' },
    connections: { type: 'string', default: '50' },
    // The production comparison's wrk connections (issue 12 measured with -t2 -c64).
    'prod-connections': { type: 'string', default: '64' },
    'no-production': { type: 'boolean', default: false },
    clients: { type: 'string', default: '500' },
    'no-nginx': { type: 'boolean', default: false },
    out: { type: 'string', default: join(HERE, 'results') },
  },
});
if (values.help) {
  process.stdout.write(`${USAGE}\n`);
  process.exit(0);
}

const durationMs = Number(values.duration);
const connections = Number(values.connections);
const clients = Number(values.clients);
const rounds = Number(values.rounds);
const log = (line: string) => process.stderr.write(`[bench:shield] ${line}\n`);

async function measureStorms(target: Target, origin: BenchOrigin, m: Measured): Promise<void> {
  // Raw values (no rounding): verdicts are computed from them (report.ts).
  m.missStorm = await missStorm(target.url, `/storm/${target.name}.ts`, origin, clients);
  log(`${target.name} miss storm: ${JSON.stringify(m.missStorm)}`);
  const expiredPath = `/expired/${target.name}.m3u8`;
  // The load process primes the object, waits until that copy is past max-age=1 on this server's
  // clock (nginx counts whole seconds, so it may need up to ~2.2 s; the shield counts ms), then storms.
  const clock = target.name === 'nginx' ? 's' : 'ms';
  const expired = await runLoad<StormResult>([
    'storm',
    `${target.url}${expiredPath}`,
    String(clients),
    String(EXPIRED_MAX_AGE_SEC),
    clock,
  ]);
  await sleep(500); // let a background refresh land before counting
  const cache = tally(expired.results.map((r) => r.cache));
  m.expiredStorm = {
    upstreamRequests: origin.count(expiredPath) - 1,
    ok: expired.results.filter((r) => r.status === 200).length,
    ttlbP50: p50(expired.results.map((r) => r.ttlb)),
    cache,
    waitedMs: expired.expiryWaitMs,
    // Every client saw a fresh HIT: the primed copy had not expired, so the storm measured nothing.
    valid: Object.keys(cache).some((k) => k !== 'HIT'),
  };
  log(`${target.name} expired storm: ${JSON.stringify(m.expiredStorm)}`);
}

/** Shield RSS while 600 distinct 1 MB objects overflow a 256 MiB cache, then hits on what remains. */
async function rssUnderLoad(shieldMain: string, origin: BenchOrigin): Promise<Measured['rss']> {
  const cacheBytes = 256 * 2 ** 20;
  const shield = await startShieldTarget(shieldMain, origin.url, {
    SHIELD_CACHE_BYTES: String(cacheBytes),
    SHIELD_WORKERS: '1',
  });
  try {
    const baseline = rssBytes(shield.pid);
    let peak = baseline;
    const sampler = setInterval(() => {
      peak = Math.max(peak, rssBytes(shield.pid));
    }, 50);
    let next = 0;
    const worker = async () => {
      while (next < 600) {
        const i = next++;
        await fetch(`${shield.url}/rss/${i}.ts`).then((r) => r.arrayBuffer());
      }
    };
    await Promise.all(Array.from({ length: 16 }, worker));
    await runLoad<unknown>([
      'rate',
      `${shield.url}/rss/599.ts`,
      String(connections),
      String(Math.min(durationMs, 3000)),
    ]);
    clearInterval(sampler);
    const metrics = await (await fetch(`${shield.url}/metrics`)).text();
    const used = Number(/^shield_cache_bytes (\d+)/m.exec(metrics)?.[1] ?? '0');
    const evictions = Number(/^shield_cache_evictions_total (\d+)/m.exec(metrics)?.[1] ?? '0');
    return {
      cacheLimitMb: cacheBytes / 2 ** 20,
      cacheUsedMb: Math.round(used / 2 ** 20),
      evictions,
      baselineMb: Math.round(baseline / 2 ** 20),
      peakMb: Math.round(peak / 2 ** 20),
      overheadMb: Math.round((peak - cacheBytes) / 2 ** 20),
    };
  } finally {
    await shield.stop();
  }
}

// The shield as production runs it (README "Deploy"): its JavaScript build, made fresh for this run.
const shieldBuild = buildShield();
log(`built the shield: ${shieldBuild.main}`);
const origin = await startBenchOrigin();
const notes: string[] = [];
const targets: Target[] = [];
try {
  const nginx = values['no-nginx'] ? undefined : ensureNginx((line) => notes.push(line));
  // wrk for hit throughput: the Node client saturates its own core before the servers do (see hits.ts).
  const wrk = ensureWrk((line) => notes.push(line));
  const generator: LoadGenerator = wrk
    ? { kind: 'wrk', binary: wrk, version: wrkVersion(wrk) }
    : { kind: 'undici' };
  // One process, like one nginx worker (a build with SHIELD_WORKERS would otherwise use every core).
  targets.push(await startShieldTarget(shieldBuild.main, origin.url, { SHIELD_WORKERS: '1' }));
  if (nginx) {
    targets.push(await startNginxTarget(nginx, origin.url));
    targets.push(await startNginxTarget(nginx, origin.url, { sendfile: false }));
  }
  targets.push(await startBareTarget());
  const measured = new Map<Target, Measured>(targets.map((t) => [t, { name: t.name }]));
  await measureHits(targets, measured, { generator, connections, durationMs, rounds, log });
  for (const t of targets) {
    const m = measured.get(t);
    // Storms against the shield and nginx as configured in production (sendfile does not change them).
    if (m && (t.name === 'shield' || t.name === 'nginx')) await measureStorms(t, origin, m);
  }
  for (const t of targets.splice(0)) await t.stop();
  const rss = await rssUnderLoad(shieldBuild.main, origin);
  const production = values['no-production']
    ? undefined
    : await measureProduction({
        shieldMain: shieldBuild.main,
        origin,
        nginx,
        varnish: ensureVarnish((line) => notes.push(line)),
        generator,
        connections: Number(values['prod-connections']),
        durationMs,
        rounds,
        clients,
        log,
      });
  const report = {
    at: new Date().toISOString(),
    durationMs,
    rounds,
    connections,
    loadGenerator: loadGeneratorLabel(generator, connections, durationMs),
    clients,
    loadavg: loadavg().map((x) => Math.round(x * 100) / 100),
    notes,
    measured: [...measured.values()],
    rss,
    ...(production && { production }),
  };
  mkdirSync(values.out, { recursive: true });
  writeFileSync(join(values.out, 'latest.json'), `${JSON.stringify(report, null, 2)}\n`);
  const md = production
    ? `${renderMarkdown(report)}\n${renderProductionMarkdown(production)}`
    : renderMarkdown(report);
  writeFileSync(join(values.out, 'latest.md'), md);
  process.stdout.write(md);
  // Like k6 thresholds: exit 99 when a goal was measured and missed (n/a goals do not fail).
  const verdicts = [...evaluateGoals(report), ...(production ? evaluateProductionGoals(production) : [])];
  const missed = verdicts.filter((g) => g.pass === false);
  if (missed.length > 0) {
    log(`goals missed: ${missed.map((g) => g.goal).join('; ')}`);
    process.exitCode = 99;
  }
} finally {
  for (const t of targets) await t.stop();
  await origin.close();
  shieldBuild.remove();
}
