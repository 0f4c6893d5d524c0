/**
 * The production runs of the shield bench (issue 12): the shield with SHIELD_WORKERS = cores vs nginx
 * `worker_processes auto`, wrk with 2 threads, on the same fake origin; the same pair over HTTPS with
 * one self-signed certificate; a 1 MB miss storm against the shield, Varnish and nginx; RSS, private and
 * PSS of every shield process (the built JS, as production runs it) idle and after the hit runs. Measures only: verdicts are report-production.ts's.
 * Every server it starts is stopped before it returns.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { type LoadGenerator, loadGeneratorLabel, measureHits } from './hits.ts';
import type { BenchOrigin } from './origin.ts';
import type { Measured } from './report.ts';
import type { HitPair, PacedPair, ProcessRss, ProductionReport } from './report-production.ts';
import { medianStorm, missStorm } from './storms.ts';
import {
  processMemory,
  processTree,
  rssBytes,
  startNginxTarget,
  startShieldTarget,
  startVarnishTarget,
  type Target,
} from './targets.ts';
import { makeSelfSignedCert, type TlsFiles } from './tls.ts';
import { paceDelayMs, wrkPaceScript } from './wrk.ts';

/** What the production runs need from main.ts. */
export interface ProductionOptions {
  /** The built shield's entry (targets.ts `buildShield`). */
  readonly shieldMain: string;
  readonly origin: BenchOrigin;
  readonly nginx: string | undefined;
  readonly varnish: string | undefined;
  readonly generator: LoadGenerator;
  readonly connections: number;
  readonly durationMs: number;
  readonly rounds: number;
  readonly clients: number;
  readonly log: (line: string) => void;
}

const THREADS = 2;
/** Share of the slower server's saturated rate that both servers are offered in the equal-pace runs. */
const PACE_SHARE = 0.6;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * Runs every production comparison in turn.
 *
 * @example const production = await measureProduction({ origin, nginx, varnish, generator, … });
 */
export async function measureProduction(opts: ProductionOptions): Promise<ProductionReport> {
  const cores = availableParallelism();
  const notes: string[] = [];
  const started: Target[] = [];
  const start = async <T extends Target>(t: Promise<T>): Promise<T> => {
    const target = await t;
    started.push(target);
    return target;
  };
  try {
    // SHIELD_WORKERS: a build without it ignores the key and runs one process (noted below).
    const shield = await start(
      startShieldTarget(
        opts.shieldMain,
        opts.origin.url,
        { SHIELD_WORKERS: String(cores) },
        { name: 'shield-workers' },
      ),
    );
    const serving = await settledTree(shield.pid, cores);
    const shieldWorkers = serving.length === 1 ? 1 : serving.length - 1;
    if (shieldWorkers !== cores) {
      notes.push(
        `the shield ran ${shieldWorkers} serving process(es) with SHIELD_WORKERS=${cores}: this build does not run one worker per core`,
      );
    }
    const idle = serving.map((pid) => ({ pid, memory: processMemory(pid) }));
    const nginx = opts.nginx
      ? await start(
          startNginxTarget(opts.nginx, opts.origin.url, {
            sendfile: true,
            workers: 'auto',
            name: 'nginx-auto',
          }),
        )
      : undefined;
    if (!nginx) notes.push('no nginx: the nginx (auto) column is n/a');
    const hits = await hitPairs(shield, nginx, opts);
    const rss: ProcessRss[] = idle.map(({ pid, memory }) => ({
      pid,
      role: serving.length > 1 && pid === shield.pid ? 'primary' : 'worker',
      idle: memory,
      afterHits: processTree(shield.pid).includes(pid) ? processMemory(pid) : undefined,
    }));
    const paced = nginx ? await pacedPairs(shield, nginx, opts, hits, notes) : undefined;
    const storm = await storms(shield, nginx, opts, notes, start);
    for (const t of started.splice(0)) await t.stop();
    const tls = await tlsRuns(opts, cores, notes);
    return {
      cores,
      loadGenerator: loadGeneratorLabel(opts.generator, opts.connections, opts.durationMs, THREADS),
      shieldWorkers,
      ...hits,
      ...(tls && { tls }),
      ...(paced && { paced }),
      storm,
      rss,
      notes,
    };
  } finally {
    for (const t of started) await t.stop();
  }
}

/**
 * The shield's processes once its workers are up and their RSS has settled: waits (≤ 5 s) for
 * `cores` children, since a cluster primary may answer /healthz through its first worker before the
 * others have started, then (≤ 5 s) until no process's RSS moves by 1 MiB in half a second.
 */
async function settledTree(pid: number, cores: number): Promise<number[]> {
  const deadline = Date.now() + 5_000;
  let tree = processTree(pid);
  while (cores > 1 && tree.length < cores + 1 && Date.now() < deadline) {
    await sleep(100);
    tree = processTree(pid);
  }
  // Idle means settled: a worker still loading modules grows for a while after it forked.
  tree = processTree(pid);
  let before = tree.map(rssBytes);
  for (let i = 0; i < 10; i++) {
    await sleep(500);
    const now = tree.map(rssBytes);
    if (now.every((bytes, j) => Math.abs(bytes - (before[j] ?? 0)) < 2 ** 20)) break;
    before = now;
  }
  return tree;
}

async function hitPairs(
  shield: Target,
  nginx: Target | undefined,
  opts: ProductionOptions,
): Promise<{ hit1mb: HitPair; hit2kb: HitPair }> {
  const targets = nginx ? [shield, nginx] : [shield];
  const measured = new Map<Target, Measured>(targets.map((t) => [t, { name: t.name }]));
  await measureHits(targets, measured, { ...opts, threads: THREADS });
  const s = measured.get(shield);
  const n = nginx && measured.get(nginx);
  const pair = (key: 'hit1mb' | 'hit2kb'): HitPair => ({
    ...(s?.[key] && { shield: s[key] }),
    ...(n?.[key] && { nginx: n[key] }),
  });
  return { hit1mb: pair('hit1mb'), hit2kb: pair('hit2kb') };
}

/**
 * Each object again with both servers offered one rate (PACE_SHARE of the slower one's saturated
 * rate), for CPU per request at equal load. wrk only (its `delay()` hook paces the connections).
 */
async function pacedPairs(
  shield: Target,
  nginx: Target,
  opts: ProductionOptions,
  saturated: { hit1mb: HitPair; hit2kb: HitPair },
  notes: string[],
): Promise<ProductionReport['paced']> {
  if (opts.generator.kind !== 'wrk') {
    notes.push('equal-pace rows skipped: they need wrk; the CPU goals are judged at saturation');
    return undefined;
  }
  const dir = mkdtempSync(join(tmpdir(), 'shield-bench-pace-'));
  const out: { hit1mb?: PacedPair; hit2kb?: PacedPair } = {};
  try {
    for (const key of ['hit1mb', 'hit2kb'] as const) {
      const slower = Math.min(saturated[key].shield?.rps ?? 0, saturated[key].nginx?.rps ?? 0);
      if (!(slower > 0)) continue;
      const delayMs = paceDelayMs(slower * PACE_SHARE, opts.connections);
      const script = join(dir, `${key}.lua`);
      writeFileSync(script, wrkPaceScript(delayMs));
      const measured = new Map<Target, Measured>([
        [shield, { name: shield.name }],
        [nginx, { name: nginx.name }],
      ]);
      await measureHits([shield, nginx], measured, {
        ...opts,
        threads: THREADS,
        paceScript: script,
        sizes: [key],
      });
      const [s, n] = [measured.get(shield)?.[key], measured.get(nginx)?.[key]];
      const pair: HitPair = { ...(s && { shield: s }), ...(n && { nginx: n }) };
      out[key] = { offeredRps: (opts.connections * 1000) / delayMs, delayMs, pair };
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  return out;
}

async function storms(
  shield: Target,
  nginx: Target | undefined,
  opts: ProductionOptions,
  notes: string[],
  start: (t: Promise<Target>) => Promise<Target>,
): Promise<ProductionReport['storm']> {
  const varnish = opts.varnish
    ? await start(startVarnishTarget(opts.varnish, opts.origin.url)).catch((e: unknown) => {
        notes.push(`Varnish did not start, its storm column is n/a: ${firstLine(e)}`);
        return undefined;
      })
    : undefined;
  if (!opts.varnish) notes.push('no varnishd: the Varnish storm column is n/a');
  // Interleaved rounds, a fresh object each: one storm is one sample of a noisy shared box, and the
  // order inside a round would otherwise favour whichever server runs while the box is quietest.
  const rounds = new Map<Target, NonNullable<Measured['missStorm']>[]>();
  for (let round = 1; round <= opts.rounds; round++) {
    for (const t of [shield, varnish, nginx]) {
      if (!t) continue;
      const result = await missStorm(t.url, `/storm1mb/${t.name}-${round}.ts`, opts.origin, opts.clients);
      opts.log(`${t.name} 1 MB miss storm, round ${round}: ${JSON.stringify(result)}`);
      rounds.set(t, [...(rounds.get(t) ?? []), result]);
    }
  }
  const of = (t: Target | undefined) => (t ? medianStorm(rounds.get(t) ?? []) : undefined);
  const [s, v, n] = [of(shield), of(varnish), of(nginx)];
  return {
    clients: opts.clients,
    rounds: opts.rounds,
    ...(s && { shield: s }),
    ...(v && { varnish: v }),
    ...(n && { nginx: n }),
  };
}

/** The HTTPS pair, or `undefined` with a note when it cannot run (no TLS in this shield, no openssl, no wrk). */
async function tlsRuns(
  opts: ProductionOptions,
  cores: number,
  notes: string[],
): Promise<ProductionReport['tls']> {
  if (opts.generator.kind !== 'wrk') {
    notes.push(
      'TLS rows skipped: they need wrk (the Node client does not accept the self-signed certificate)',
    );
    return undefined;
  }
  const cert = makeSelfSignedCert();
  if ('error' in cert) {
    notes.push(`TLS rows skipped: ${cert.error}`);
    return undefined;
  }
  const files: TlsFiles = { cert: cert.cert, key: cert.key };
  const started: Target[] = [];
  try {
    return await tlsPair(opts, cores, files, notes, started);
  } catch (e) {
    notes.push(`TLS rows skipped: a TLS server failed: ${firstLine(e)}`);
    return undefined;
  } finally {
    for (const t of started) await t.stop();
    cert.remove();
  }
}

/** Starts the HTTPS shield and nginx `ssl` (each pushed to `started` for the caller to stop) and runs the hits. */
async function tlsPair(
  opts: ProductionOptions,
  cores: number,
  files: TlsFiles,
  notes: string[],
  started: Target[],
): Promise<ProductionReport['tls']> {
  const shield = await startShieldTarget(
    opts.shieldMain,
    opts.origin.url,
    { SHIELD_WORKERS: String(cores) },
    { name: 'shield-tls', tls: files },
  );
  started.push(shield);
  if (!shield.tls) {
    notes.push(
      'TLS rows skipped: this shield build does not serve HTTPS (it ignored SHIELD_TLS_CERT/SHIELD_TLS_KEY and answered plain HTTP)',
    );
    return undefined;
  }
  const nginx = opts.nginx
    ? await startNginxTarget(opts.nginx, opts.origin.url, {
        sendfile: true,
        workers: 'auto',
        tls: files,
        name: 'nginx-tls',
      })
    : undefined;
  if (nginx) started.push(nginx);
  return await hitPairs(shield, nginx, opts);
}

function firstLine(e: unknown): string {
  return (e instanceof Error ? e.message : String(e)).split('\n', 1)[0] ?? '';
}
