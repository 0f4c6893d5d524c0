/**
 * WebRTC bench (`npm run bench:webrtc -- [--viewers N] [--seconds S] [--json FILE]`): the RTC media
 * server as its own process (origin/rtc/main.ts, sample stream on), one headless Chromium with a
 * WHIP publisher page drawing Date.now() as blocks (`?source=clock`) and N WHEP viewer pages.
 * Measures, on this one machine:
 *   - join time: viewer POSTs its offer → first decoded frame (in-page), for the sample stream and
 *     for the WHIP-published stream (the latter includes the PLI → publisher keyframe round trip);
 *   - glass-to-glass latency: Date.now() when a viewer frame is presented − the Date.now() drawn
 *     into that frame by the publisher (same clock; includes canvas capture, encode, network,
 *     SFU, jitter buffer, decode);
 *   - media server CPU per viewer: /proc/<pid>/stat over a window with N viewers on the 800 kb/s
 *     sample stream minus a window with none, divided by N (ffmpeg and Chromium are other
 *     processes, not counted).
 * Then, with the media server stopped, the same box's LL-HLS figures (llhls.ts): N hls.js viewers
 * through the local stack's edge, join time and latency from each frame's simulated capture and
 * from its part's availability at the origin (`--llhls-viewers 0` skips it).
 * Bounded: every wait has a timeout; the server and the browser are stopped on every exit path.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Browser, chromium, type Page } from 'playwright-core';
import { parseCliArgs } from '../../scripts/cli-args.ts';
import { WEBRTC_CHROMIUM_ARGS } from '../../scripts/player/chromium-args.ts';
import { type PlayerServer, startPlayerServer } from '../../scripts/player/server.ts';
import { framesReach, rtcConnected, stopRtcSession } from '../../scripts/player/webrtc-page.ts';
import { freePort } from '../../scripts/stack/ports.ts';
import { REPO_ROOT } from '../../scripts/stack/start-stack.ts';
import { trendStats } from '../lib/percentiles.ts';
import { procCpuSeconds } from '../shield/cpu.ts';
import { runLlhlsBench } from './llhls.ts';
import { readLatency, startLatencyProbe } from './pages.ts';
import { renderWebRtcBench, type WebRtcBenchResult } from './report.ts';

const USAGE =
  'usage: npm run bench:webrtc -- [--viewers 1..50] [--seconds 2..120] [--llhls-viewers 0..20] [--json FILE]';
const { values } = parseCliArgs('bench:webrtc', USAGE, {
  options: {
    viewers: { type: 'string', default: '4' },
    seconds: { type: 'string', default: '8' },
    'llhls-viewers': { type: 'string' },
    json: { type: 'string' },
  },
});
const viewers = Number(values.viewers);
const seconds = Number(values.seconds);
const llhlsViewers = Number(values['llhls-viewers'] ?? viewers);
if (
  !(Number.isInteger(viewers) && viewers >= 1 && viewers <= 50) ||
  !(seconds >= 2 && seconds <= 120) ||
  !(Number.isInteger(llhlsViewers) && llhlsViewers >= 0 && llhlsViewers <= 20)
) {
  process.stderr.write(`${USAGE}\n`);
  process.exit(64);
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function startServer(): Promise<{ url: string; child: ChildProcess; ledger: string }> {
  const dir = await mkdtemp(join(tmpdir(), 'bench-webrtc-'));
  const ledger = join(dir, 'rtc.ndjson');
  const port = await freePort();
  const child = spawn(process.execPath, [join(REPO_ROOT, 'origin/rtc/main.ts')], {
    env: {
      ...process.env,
      RTC_PORT: String(port),
      RTC_AUTH: 'off',
      RTC_EGRESS_LOG: ledger,
      RTC_LOG_LEVEL: 'warn',
      RTC_MAX_VIEWERS_PER_STREAM: String(viewers + 1),
    },
    stdio: ['ignore', 'inherit', 'inherit'],
  });
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 30_000;
  while (Date.now() < deadline) {
    const ready = await fetch(`${url}/readyz`).then(
      (r) => r.status === 200,
      () => false,
    );
    if (ready) return { url, child, ledger };
    if (child.exitCode !== null) break;
    await sleep(200);
  }
  child.kill('SIGKILL');
  throw new Error('the RTC media server did not become ready within 30 s');
}

/** Server CPU seconds used over `ms`. */
async function cpuOver(pid: number, ms: number): Promise<number> {
  const before = procCpuSeconds(pid) ?? 0;
  await sleep(ms);
  return (procCpuSeconds(pid) ?? 0) - before;
}

/** Opens a viewer page on `endpoint` and returns it with its join time (ms). */
async function joinViewer(
  browser: Browser,
  player: PlayerServer,
  endpoint: string,
): Promise<{ page: Page; joinMs: number }> {
  const page = await browser.newPage();
  await page.goto(player.pageForRtc('whep', endpoint));
  const state = await framesReach(page, 1, 30_000);
  if (state.fatal !== null || state.joinMs === null) throw new Error(`viewer failed: ${state.fatal}`);
  return { page, joinMs: state.joinMs };
}

async function main(): Promise<WebRtcBenchResult> {
  const server = await startServer();
  const pid = server.child.pid ?? 0;
  let browser: Browser | undefined;
  let player: PlayerServer | undefined;
  let result: Omit<WebRtcBenchResult, 'ledgerRecords' | 'llhls'>;
  try {
    player = await startPlayerServer(0);
    browser = await chromium.launch({
      executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
      args: [
        '--headless',
        '--no-sandbox',
        '--disable-gpu',
        '--autoplay-policy=no-user-gesture-required',
        ...WEBRTC_CHROMIUM_ARGS,
      ],
    });

    // CPU per viewer on the ffmpeg sample stream (800 kb/s, like a real rendition): a window with no
    // viewer, then N viewers joined one after another (join time), then a window with all N watching.
    const idleCpu = await cpuOver(pid, seconds * 1000);
    const samplePages: Page[] = [];
    const sampleJoins: number[] = [];
    for (let i = 0; i < viewers; i++) {
      const v = await joinViewer(browser, player, `${server.url}/whep/live`);
      sampleJoins.push(v.joinMs);
      samplePages.push(v.page);
    }
    const loadedCpu = await cpuOver(pid, seconds * 1000);
    const stats = (await fetch(`${server.url}/stats`).then((r) => r.json())) as {
      sessions: { kind: string; bytesSent: number; ageMs: number }[];
    };
    const rates = stats.sessions.filter((s) => s.kind === 'whep').map((s) => (s.bytesSent * 1000) / s.ageMs);
    for (const page of samplePages) {
      await stopRtcSession(page);
      await page.close();
    }

    // Glass-to-glass on a WHIP stream: the publisher draws its clock, N viewers read it back.
    const publisher = await browser.newPage();
    await publisher.goto(player.pageForRtc('whip', `${server.url}/whip/bench`, { source: 'clock' }));
    const pub = await rtcConnected(publisher, 30_000);
    if (pub.fatal !== null) throw new Error(`publisher failed: ${pub.fatal}`);
    const pages: Page[] = [];
    const whipJoins: number[] = [];
    for (let i = 0; i < viewers; i++) {
      const v = await joinViewer(browser, player, `${server.url}/whep/bench`);
      whipJoins.push(v.joinMs);
      pages.push(v.page);
    }
    for (const page of pages) await startLatencyProbe(page);
    await sleep(seconds * 1000);
    const latency: number[] = [];
    let unreadable = 0;
    for (const page of pages) {
      const probe = await readLatency(page);
      latency.push(...probe.samples);
      unreadable += probe.unreadable;
    }
    for (const page of pages) await stopRtcSession(page);
    await stopRtcSession(publisher);
    result = {
      viewers,
      windowSeconds: seconds,
      joinMs: { sample: trendStats(sampleJoins), whip: trendStats(whipJoins) },
      latencyMs: { ...trendStats(latency), unreadableFrames: unreadable },
      serverCpu: {
        // With the sample stream running and no viewer: ffmpeg's RTP arriving, nothing sent.
        idleCores: idleCpu / seconds,
        loadedCores: loadedCpu / seconds,
        perViewerCores: Math.max(0, loadedCpu - idleCpu) / seconds / viewers,
      },
      viewerBytesPerSecond: rates.reduce((a, b) => a + b, 0) / Math.max(1, rates.length),
    };
  } finally {
    await browser?.close();
    await player?.close();
    if (server.child.exitCode === null) {
      const exited = new Promise((r) => server.child.once('exit', r));
      server.child.kill('SIGTERM');
      await Promise.race([exited, sleep(10_000)]);
      server.child.kill('SIGKILL');
    }
  }
  // Every session (N + N sample viewers, one publisher) leaves one ledger record.
  const ledger = await readFile(server.ledger, 'utf8').catch(() => '');
  const ledgerRecords = ledger.split('\n').filter((l) => l !== '').length;
  // After the media server and its Chromium are gone, so the two do not share the CPU.
  const llhls = llhlsViewers === 0 ? null : await runLlhlsBench({ viewers: llhlsViewers, seconds });
  return { ...result, ledgerRecords, llhls };
}

const started = Date.now();
main().then(
  async (result) => {
    const json = JSON.stringify({ ...result, elapsedMs: Date.now() - started }, null, 2);
    process.stdout.write(`${renderWebRtcBench(result)}\n${json}\n`);
    if (values.json) await writeFile(values.json, `${json}\n`);
  },
  (error: unknown) => {
    process.stderr.write(`bench:webrtc: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exitCode = 1;
  },
);
