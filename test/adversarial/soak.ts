/**
 * `npm run soak [-- --minutes 30 --vod 6 --live 6]`: the whole local stack (packager → shield →
 * wrangler dev, as `npm start` runs it) under mixed VOD and live viewers for a bounded time, with the
 * resident memory (RSS) of each tier sampled every minute. Prints one line per minute and a closing
 * table; memory should be flat after warm-up (the first minute). The edge is also split, so that its
 * growth can be attributed: wrangler's Node processes, its two workerd processes (proxy and runtime;
 * anonymous vs file-backed pages), the size of wrangler dev's local state folder (Miniflare's Cache
 * API store lives there) and the Worker isolate's JS heap after a full GC, read through the inspector. Not in CI: a long run by design.
 * All traffic stays on 127.0.0.1 and stops by itself.
 */
import { loadavg } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { ensureMedia } from '../../scripts/media/make-media.ts';
import { freePort } from '../../scripts/stack/ports.ts';
import { REPO_ROOT, type Stack, startStack } from '../../scripts/stack/start-stack.ts';
import { type EdgeMemory, edgeMemory, type IsolateHeap } from './soak-memory.ts';
import { folderBytes, groupProcesses, isolateHeap } from './soak-probes.ts';

const { values } = parseArgs({
  options: {
    minutes: { type: 'string', default: '30' },
    vod: { type: 'string', default: '6' },
    live: { type: 'string', default: '6' },
    // A small shield cache, so the run reaches the cache bound early: after that, shield memory that
    // still grows is a leak, not the cache filling (the default bound is 4 GiB and live segments are
    // new objects forever).
    'shield-cache-mib': { type: 'string', default: '256' },
    // Worker bindings over the stack's, e.g. `--edge-var CACHE_INFLIGHT_BYTES=0` (no flight is
    // retained, so nothing is stored in the edge cache: the control run for the cache store's share).
    'edge-var': { type: 'string', multiple: true, default: [] },
  },
});
const edgeVars = Object.fromEntries(
  values['edge-var'].map((pair) => {
    const at = pair.indexOf('=');
    if (at < 1) throw new TypeError(`expected --edge-var KEY=VALUE, got ${JSON.stringify(pair)}`);
    return [pair.slice(0, at), pair.slice(at + 1)];
  }),
);
const minutes = Number(values.minutes);
const vodViewers = Number(values.vod);
const liveViewers = Number(values.live);
const shieldCacheMiB = Number(values['shield-cache-mib']);
if (
  !(minutes > 0) ||
  !Number.isInteger(vodViewers) ||
  !Number.isInteger(liveViewers) ||
  !(Number.isInteger(shieldCacheMiB) && shieldCacheMiB > 0)
)
  throw new TypeError(
    `expected --minutes > 0 and integer --vod/--live/--shield-cache-mib, got ${JSON.stringify(values)}`,
  );

/** Resident set of every process in a process group (a tier and its children, e.g. wrangler + workerd), MiB. */
function groupRssMiB(pgid: number): number {
  return Math.round(groupProcesses(pgid).reduce((kib, p) => kib + p.rollup.rssKiB, 0) / 1024);
}

/** Where Miniflare keeps the Cache API store under wrangler dev's --persist-to folder. */
const CACHE_STORE = 'v3/cache';

const counts = { ok: 0, failed: 0 };

async function get(url: string): Promise<Response | undefined> {
  try {
    const res = await fetch(url, { signal: AbortSignal.timeout(15_000) });
    if (res.ok) counts.ok++;
    else counts.failed++;
    return res;
  } catch {
    counts.failed++;
    return undefined;
  }
}

const uris = (text: string) => text.split('\n').filter((l) => l.trim() !== '' && !l.startsWith('#'));
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** One player: master → first variant → segments in order (VOD, looping) or at the live edge. */
async function viewer(masterUrl: string, live: boolean, until: number, index: number): Promise<void> {
  const master = await get(masterUrl);
  const variants = uris((await master?.text()) ?? '');
  const variant = variants[index % Math.max(1, variants.length)];
  if (variant === undefined) return;
  const mediaUrl = new URL(variant, masterUrl).toString();
  const seen = new Set<string>();
  while (Date.now() < until) {
    const media = await get(mediaUrl);
    const segments = uris((await media?.text()) ?? '').map((u) => new URL(u, mediaUrl).toString());
    const next = live ? segments.slice(-2).filter((s) => !seen.has(s)) : segments;
    for (const segment of next) {
      if (Date.now() >= until) return;
      seen.add(segment);
      await (await get(segment))?.arrayBuffer();
      if (!live) await sleep(200);
    }
    if (live) await sleep(1000);
  }
}

// Ctrl-C or SIGTERM: exit through process.exit so the launcher's exit hook stops every tier's process
// group (a signal's default action would leave wrangler, workerd and the shield running).
for (const signal of ['SIGINT', 'SIGTERM'] as const) process.once(signal, () => process.exit(130));

const inspectorPort = await freePort();
const stack: Stack = await startStack({
  mediaDir: (await ensureMedia(resolve(REPO_ROOT, '.media'))).dir,
  shieldEnv: { SHIELD_CACHE_BYTES: String(shieldCacheMiB * 1024 * 1024) },
  edgeVars,
  inspectorPort,
});
try {
  const tiers = stack.processes.map((p) => ({ name: p.name, pid: p.pid }));
  const edgePid = stack.processes.find((p) => p.name === 'edge')?.pid ?? -1;
  interface EdgeSample {
    readonly memory: EdgeMemory;
    /** wrangler dev's --persist-to folder, and the Cache API store inside it, MiB. */
    readonly stateMiB: number | undefined;
    readonly cacheMiB: number | undefined;
    readonly heap: IsolateHeap | undefined;
  }
  const samples: { minute: number; ok: number; failed: number; rss: number[]; edge: EdgeSample }[] = [];
  const mib = (bytes: number | undefined) => (bytes === undefined ? undefined : Math.round(bytes / 2 ** 20));
  const shown = (n: number | undefined) => (n === undefined ? '?' : String(n));
  const sample = async (minute: number) => {
    const rss = tiers.map((t) => groupRssMiB(t.pid));
    const edge: EdgeSample = {
      memory: edgeMemory(groupProcesses(edgePid)),
      stateMiB: mib(folderBytes(stack.persistDir)),
      cacheMiB: mib(folderBytes(join(stack.persistDir, CACHE_STORE))),
      heap: await isolateHeap(inspectorPort),
    };
    samples.push({ minute, ...counts, rss, edge });
    const m = edge.memory;
    process.stdout.write(
      `minute ${minute}: ${counts.ok} ok, ${counts.failed} failed; load ${loadavg()
        .map((l) => l.toFixed(2))
        .join(' ')}; RSS MiB ${tiers.map((t, i) => `${t.name} ${rss[i]}`).join(', ')}\n` +
        `  edge: wrangler ${m.wranglerMiB}, workerd ${m.workerdMiB} (anon ${m.workerdAnonMiB}, file ${m.workerdFileMiB}; ` +
        `proxy ${m.proxyMiB}, runtime ${m.runtimeMiB}), ` +
        `other ${m.otherMiB} MiB; state folder ${shown(edge.stateMiB)} MiB (cache ${shown(edge.cacheMiB)}); ` +
        `isolate heap ${edge.heap ? `${edge.heap.usedMiB} of ${edge.heap.totalMiB}` : '?'} MiB\n`,
    );
  };
  await sample(0);
  const until = Date.now() + minutes * 60_000;
  const urls = await Promise.all([
    ...Array.from({ length: vodViewers }, (_, i) =>
      stack.sign(i % 2 ? '/vod/fmp4/master.m3u8' : '/vod/ts/master.m3u8'),
    ),
    ...Array.from({ length: liveViewers }, (_, i) =>
      stack.sign(i % 2 ? '/live/fmp4/master.m3u8' : '/live/ts/master.m3u8'),
    ),
  ]);
  const players = urls.map((url, i) => viewer(url, i >= vodViewers, until, i));
  for (let minute = 1; Date.now() < until; minute++) {
    await sleep(Math.min(60_000, Math.max(0, until - Date.now())));
    await sample(minute);
  }
  await Promise.all(players);
  const first = samples[Math.min(1, samples.length - 1)];
  const last = samples.at(-1);
  process.stdout.write(
    `\n| tier | RSS after warm-up (MiB) | RSS at the end (MiB) |\n| --- | ---: | ---: |\n`,
  );
  tiers.forEach((t, i) => {
    process.stdout.write(`| ${t.name} | ${first?.rss[i]} | ${last?.rss[i]} |\n`);
  });
  const edgeRows: [string, (e: EdgeSample) => number | undefined][] = [
    ['edge: wrangler (Node)', (e) => e.memory.wranglerMiB],
    ['edge: workerd (both)', (e) => e.memory.workerdMiB],
    ['edge: workerd anonymous', (e) => e.memory.workerdAnonMiB],
    ['edge: workerd file-backed', (e) => e.memory.workerdFileMiB],
    ['edge: workerd proxy', (e) => e.memory.proxyMiB],
    ['edge: workerd runtime', (e) => e.memory.runtimeMiB],
    ['edge: other (esbuild)', (e) => e.memory.otherMiB],
    ['edge: state folder on disk', (e) => e.stateMiB],
    ['edge: cache store on disk', (e) => e.cacheMiB],
    ['edge: isolate JS heap after GC', (e) => e.heap?.usedMiB],
  ];
  for (const [name, read] of edgeRows) {
    process.stdout.write(
      `| ${name} | ${shown(first && read(first.edge))} | ${shown(last && read(last.edge))} |\n`,
    );
  }
  // Every minute of the edge, for attribution (does workerd follow the cache store or the heap?).
  process.stdout.write(
    `\n| minute | ${edgeRows.map(([name]) => name.replace('edge: ', '')).join(' | ')} |\n`,
  );
  process.stdout.write(`| ---: |${' ---: |'.repeat(edgeRows.length)}\n`);
  for (const s of samples) {
    process.stdout.write(
      `| ${s.minute} | ${edgeRows.map(([, read]) => shown(read(s.edge))).join(' | ')} |\n`,
    );
  }
  process.stdout.write(`\n${counts.ok} requests ok, ${counts.failed} failed over ${minutes} min\n`);
} finally {
  await stack.stop();
}
