/**
 * Slow-client survival: a real shield process faces `idle` connections that never send a byte and
 * `slowloris` connections that send a request head one header line at a time and never finish it,
 * held at strength (each one the shield's deadlines close is replaced at once, as a real attacker
 * would), while normal viewers keep fetching. Bad = a normal request that failed or got no answer
 * within REQUEST_DEADLINE_MS (a liveness bound for "kept succeeding", not a speed figure).
 * Control: the open attack connections are sampled while the normal requests run; if the minimum
 * fell below HOLD_FRACTION of the target, the attack did not really happen and the row fails.
 */
import { request } from 'node:http';
import { startCountingUpstream } from '../fixtures/counting-upstream.ts';
import { childOpenFileLimit, ownOpenFileLimit } from './fd-limits.ts';
import { type Closures, startHeldAttack } from './held-attack.ts';
import type { Row } from './report.ts';
import { startShieldTier } from './tiers.ts';

const REQUEST_DEADLINE_MS = 10_000;
const BODY = 'segment-bytes'.repeat(100);
/**
 * The control on the attack, over the samples taken while normal requests run. Held, the count dips
 * only by replacements still mid-reconnect: the shield closes about target / idle-deadline
 * connections a second, so a stall of L ms in this process (or a batch of closes after a stall in
 * the shield) costs about L / idle-deadline of the attack for an instant. Measured on the 2-core
 * box: full scale min 99%; slice (2 s idle deadline) min 88-99%, 76% once with two CPU hogs at load
 * 9, median ≥ 99% every time. Not held, the attack falls to 9% (full: the slowloris ones, until their
 * head deadline) and then 0. So: the median must be ≥ 95% (at full strength most of the time) and
 * the minimum ≥ 60% (never faded, with room for a ~800 ms stall in the slice).
 */
const HOLD_MEDIAN = 0.95;
const HOLD_MIN = 0.6;
const SAMPLE_EVERY_MS = 100;
/** Connects allowed per target connection (first + replacements): ~4 idle cycles are expected. */
const ATTEMPTS_PER_CONNECTION = 10;
/** Generous: the first connects are spread over one idle deadline (5 s at full scale). */
const ESTABLISH_BOUND_MS = 60_000;
/** Files beside the attack sockets: normal requests in flight, upstream sockets, stdio, Node itself. */
const SPARE_FILES = 256;

export interface SlowClientLoad {
  readonly idle: number;
  readonly slowloris: number;
  /** Normal requests, one every `intervalMs`, each on a fresh connection. */
  readonly requests: number;
  readonly intervalMs: number;
  /** A slowloris connection sends one more header line this often. */
  readonly trickleMs: number;
  /** The shield's SHIELD_KEEPALIVE_TIMEOUT_MS and SHIELD_HEADERS_TIMEOUT_MS for the run. */
  readonly keepAliveTimeoutMs: number;
  readonly headersTimeoutMs: number;
  /** Replace connections the shield closes (default true; false is the negative control). */
  readonly replace?: boolean;
}

export const SLOW_CLIENT_LOADS = {
  // The shield's default deadlines; 200 requests over ~20 s span four idle and two head deadlines.
  full: {
    idle: 2000,
    slowloris: 200,
    requests: 200,
    intervalMs: 100,
    trickleMs: 1000,
    keepAliveTimeoutMs: 5000,
    headersTimeoutMs: 10_000,
  },
  // Shorter deadlines so the ~4.5 s window still sees every connection cut and replaced (idle about
  // twice); not shorter, as closes per second (and so replacements mid-handshake) grow as they shrink.
  slice: {
    idle: 300,
    slowloris: 30,
    requests: 30,
    intervalMs: 150,
    trickleMs: 500,
    keepAliveTimeoutMs: 2000,
    headersTimeoutMs: 3000,
  },
} as const satisfies Record<string, SlowClientLoad>;

function normalRequest(port: number, path: string): Promise<boolean> {
  return new Promise((resolve) => {
    const req = request(
      { host: '127.0.0.1', port, path, agent: false, timeout: REQUEST_DEADLINE_MS },
      (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (d: string) => {
          body += d;
        });
        res.on('end', () => resolve(res.statusCode === 200 && body === BODY));
        res.on('error', () => resolve(false));
      },
    );
    req.on('timeout', () => req.destroy());
    req.on('error', () => resolve(false));
    req.end();
  });
}

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? 0;
}

const count = (n: number) => n.toLocaleString('en-US');

/**
 * The attack sized to the open-file limits of this process and the shield (each holds one socket per
 * attack connection), never silently: the returned message says what was cut and why.
 */
function sizeToFileLimits(
  load: SlowClientLoad,
  shieldPid: number,
): { idle: number; slowloris: number; message?: string } {
  const own = ownOpenFileLimit();
  const shield = childOpenFileLimit(shieldPid) ?? own;
  const limit = Math.min(own ?? Number.POSITIVE_INFINITY, shield ?? Number.POSITIVE_INFINITY);
  const target = load.idle + load.slowloris;
  if (target + SPARE_FILES <= limit) return { idle: load.idle, slowloris: load.slowloris };
  const scale = Math.max(0, limit - SPARE_FILES) / target;
  const idle = Math.floor(load.idle * scale);
  const slowloris = Math.floor(load.slowloris * scale);
  return {
    idle,
    slowloris,
    message:
      `sized down from ${load.slowloris} slowloris + ${load.idle} idle: ulimit -n is ${own ?? '?'} here and ` +
      `${shield ?? '?'} in the shield, and ${target} attack sockets + ${SPARE_FILES} spare must fit each side ` +
      `(raise it with \`ulimit -n ${target + SPARE_FILES}\` for the full attack)`,
  };
}

/** "idle: closed without an answer 8,010× after a median 5.0 s", one per kind and reason. */
function describeClosures(closures: ReadonlyMap<string, Closures>): string {
  return (
    [...closures.entries()]
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([key, c]) => {
        const lived =
          c.lifetimesMs.length > 0 ? ` after a median ${(median(c.lifetimesMs) / 1000).toFixed(1)} s` : '';
        return `${key} ${count(c.count)}×${lived}`;
      })
      .join(', ') || 'none'
  );
}

async function until(done: () => boolean, boundMs: number): Promise<void> {
  const deadline = performance.now() + boundMs;
  while (!done() && performance.now() < deadline) await new Promise((r) => setTimeout(r, SAMPLE_EVERY_MS));
}

/** Row "slow clients": normal requests that failed while the slow and idle connections were held. */
export async function slowClientSurvival(load: SlowClientLoad): Promise<Row> {
  const upstream = await startCountingUpstream();
  const shield = await startShieldTier(upstream.url, {
    SHIELD_KEEPALIVE_TIMEOUT_MS: String(load.keepAliveTimeoutMs),
    SHIELD_HEADERS_TIMEOUT_MS: String(load.headersTimeoutMs),
  });
  const sized = sizeToFileLimits(load, shield.process().pid);
  if (sized.message !== undefined) process.stderr.write(`slow-clients: ${sized.message}\n`);
  const target = sized.idle + sized.slowloris;
  const attack = startHeldAttack({
    port: shield.port,
    idle: sized.idle,
    slowloris: sized.slowloris,
    trickleMs: load.trickleMs,
    maxAttempts: target * ATTEMPTS_PER_CONNECTION,
    replace: load.replace ?? true,
    rampMs: load.keepAliveTimeoutMs,
  });
  let sampler: NodeJS.Timeout | undefined;
  try {
    for (let i = 0; i < 20; i++)
      upstream.route(`/vod/s/${i}.ts`, { body: BODY, headers: { 'cache-control': 'max-age=60' } });
    // Every first connect has connected (or failed) once: from here on the attack is at strength.
    await until(() => attack.settled(), ESTABLISH_BOUND_MS);
    const samples: number[] = [attack.open()];
    sampler = setInterval(() => samples.push(attack.open()), SAMPLE_EVERY_MS);
    const windowStart = performance.now();
    let failed = 0;
    const pending: Promise<void>[] = [];
    for (let i = 0; i < load.requests; i++) {
      pending.push(
        normalRequest(shield.port, `/vod/s/${i % 20}.ts`).then((ok) => {
          if (!ok) failed++;
        }),
      );
      await new Promise((r) => setTimeout(r, load.intervalMs));
    }
    await Promise.all(pending);
    samples.push(attack.open());
    clearInterval(sampler);
    const windowS = (performance.now() - windowStart) / 1000;
    attack.stopReplacing();

    const least = Math.min(...samples);
    const middle = median(samples);
    const held =
      `attack held while normal requests ran: open min ${count(least)} / median ${count(middle)} of ` +
      `${count(target)} (control: median ≥ ${HOLD_MEDIAN * 100}%, min ≥ ${HOLD_MIN * 100}%), ` +
      `${samples.length} samples over ${windowS.toFixed(1)} s`;
    const churn =
      `${count(attack.reconnects())} reconnects (${count(attack.attempts())} connects); shield deadlines ` +
      `idle ${load.keepAliveTimeoutMs / 1000} s, head ${load.headersTimeoutMs / 1000} s; ended: ${describeClosures(attack.closures())}`;
    const row: Row = {
      category: `slow clients: normal requests under ${sized.slowloris} slowloris + ${sized.idle} idle connections held open`,
      tried: load.requests,
      badLabel: 'failed',
      bad: failed,
      note: [held, churn, sized.message].filter((part) => part !== undefined).join('; '),
    };
    // An attack sized down to nothing holds 0 of 0: that must not read as held.
    if (target === 0) return { ...row, controlFailed: 'no attack connection fits the open-file limits' };
    if (middle < target * HOLD_MEDIAN)
      return { ...row, controlFailed: `median ${count(middle)} of ${count(target)} attack connections open` };
    if (least < target * HOLD_MIN)
      return {
        ...row,
        controlFailed: `only ${count(least)} of ${count(target)} attack connections open at one point`,
      };
    return row;
  } finally {
    clearInterval(sampler);
    attack.destroy();
    await shield.stop();
    await upstream.close();
  }
}
