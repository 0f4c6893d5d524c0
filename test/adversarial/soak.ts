/**
 * `npm run soak [-- --minutes 30 --vod 6 --live 6]`: the whole local stack (packager → shield →
 * wrangler dev, as `npm start` runs it) under mixed VOD and live viewers for a bounded time, with the
 * resident memory (RSS) of each tier sampled every minute. Prints one line per minute and a closing
 * table; memory should be flat after warm-up (the first minute). Not in CI: a long run by design.
 * All traffic stays on 127.0.0.1 and stops by itself.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { ensureMedia } from '../../scripts/media/make-media.ts';
import { REPO_ROOT, type Stack, startStack } from '../../scripts/stack/start-stack.ts';

const { values } = parseArgs({
  options: {
    minutes: { type: 'string', default: '30' },
    vod: { type: 'string', default: '6' },
    live: { type: 'string', default: '6' },
    // A small shield cache, so the run reaches the cache bound early: after that, shield memory that
    // still grows is a leak, not the cache filling (the default bound is 4 GiB and live segments are
    // new objects forever).
    'shield-cache-mib': { type: 'string', default: '256' },
  },
});
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
  let kb = 0;
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      // /proc/<pid>/stat: "pid (comm) state ppid pgrp …"; comm may hold spaces, so split after ')'.
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      const pgrp = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[2]);
      if (pgrp !== pgid) continue;
      const rss = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${entry}/status`, 'utf8'));
      kb += Number(rss?.[1] ?? 0);
    } catch {
      // The process exited between listing and reading.
    }
  }
  return Math.round(kb / 1024);
}

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

const stack: Stack = await startStack({
  mediaDir: (await ensureMedia(resolve(REPO_ROOT, '.media'))).dir,
  shieldEnv: { SHIELD_CACHE_BYTES: String(shieldCacheMiB * 1024 * 1024) },
});
try {
  const tiers = stack.processes.map((p) => ({ name: p.name, pid: p.pid }));
  const samples: { minute: number; ok: number; failed: number; rss: number[] }[] = [];
  const sample = (minute: number) => {
    samples.push({ minute, ...counts, rss: tiers.map((t) => groupRssMiB(t.pid)) });
    const s = samples.at(-1);
    if (s)
      process.stdout.write(
        `minute ${minute}: ${s.ok} ok, ${s.failed} failed; RSS MiB ${tiers.map((t, i) => `${t.name} ${s.rss[i]}`).join(', ')}\n`,
      );
  };
  sample(0);
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
    sample(minute);
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
  process.stdout.write(`\n${counts.ok} requests ok, ${counts.failed} failed over ${minutes} min\n`);
} finally {
  await stack.stop();
}
