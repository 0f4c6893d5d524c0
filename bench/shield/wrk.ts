/**
 * wrk as the shield bench's hit-throughput load generator: its command line, its version and a parser
 * for its text output. wrk is C with an epoll loop per thread, so one thread saturates the servers
 * under test where the Node undici client (load.ts `rate`) saturates itself first on this 2-core box.
 * Parsing is pure (text in, numbers out); it never throws on unexpected text, it returns `undefined`.
 */
import { spawnSync } from 'node:child_process';

/** What one wrk run reported. `rps` counts only 2xx/3xx answers, like load.ts `rate`. */
export interface WrkResult {
  /** Responses completed, any status. */
  readonly requests: number;
  /** Non-2xx/3xx responses plus socket errors (connect, read, write, timeout). */
  readonly errors: number;
  /** 2xx/3xx responses per second over wrk's own measurement window. */
  readonly rps: number;
  /** Megabits per second read (wrk's Transfer/sec, binary units). */
  readonly mbps: number;
  /** wrk's measurement window in seconds ("N requests in 2.00s"). */
  readonly secs: number;
}

const BINARY_UNITS: Record<string, number> = { B: 1, KB: 2 ** 10, MB: 2 ** 20, GB: 2 ** 30, TB: 2 ** 40 };
const TIME_UNITS: Record<string, number> = { us: 1e-6, ms: 1e-3, s: 1, m: 60, h: 3600 };

/**
 * Parses wrk 4.x stdout.
 *
 * @example parseWrkOutput('  10 requests in 1.00s, 10.00MB read\nRequests/sec:     10.00\nTransfer/sec:     10.00MB\n')
 * // { requests: 10, errors: 0, rps: 10, mbps: 83.886…, secs: 1 }
 */
export function parseWrkOutput(text: string): WrkResult | undefined {
  const summary = /^\s*(\d+) requests in ([\d.]+)(us|ms|s|m|h),/m.exec(text);
  const rate = /^Requests\/sec:\s+([\d.]+)/m.exec(text);
  const transfer = /^Transfer\/sec:\s+([\d.]+)(B|KB|MB|GB|TB)/m.exec(text);
  if (!summary || !rate || !transfer) return undefined;
  const requests = Number(summary[1]);
  const secs = Number(summary[2]) * (TIME_UNITS[summary[3] ?? 's'] ?? 1);
  const non2xx = Number(/^\s*Non-2xx or 3xx responses:\s+(\d+)/m.exec(text)?.[1] ?? '0');
  const socket = /^\s*Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)/m.exec(text);
  const socketErrors = socket ? socket.slice(1, 5).reduce((sum, n) => sum + Number(n), 0) : 0;
  // wrk's Requests/sec counts every completed response; keep only the good ones, with wrk's precision.
  const okShare = requests === 0 ? 0 : (requests - non2xx) / requests;
  const bytesPerSec = Number(transfer[1]) * (BINARY_UNITS[transfer[2] ?? 'B'] ?? 1);
  return {
    requests,
    errors: non2xx + socketErrors,
    rps: Number(rate[1]) * okShare,
    mbps: (bytesPerSec * 8) / 1e6,
    secs,
  };
}

/**
 * wrk's duration argument: whole seconds only (`-d 2s`; wrk rejects `1.5s` and `500ms`), at least 1 s.
 *
 * @example wrkDuration(2400) // '2s'
 */
export function wrkDuration(durationMs: number): string {
  return `${Math.max(1, Math.round(durationMs / 1000))}s`;
}

/**
 * The arguments of one hit run: `threads` threads (1: one core at most, like the one-process shield
 * and the one-worker nginx; 2 for the production run), `connections` keep-alive connections.
 *
 * @example wrkArgs('http://127.0.0.1:9/hit/1mb.ts', 50, 3000) // ['-t1', '-c50', '-d3s', 'http://…']
 */
export function wrkArgs(
  url: string,
  connections: number,
  durationMs: number,
  threads = 1,
  script?: string,
): string[] {
  const paced = script === undefined ? [] : ['-s', script];
  return [`-t${threads}`, `-c${connections}`, `-d${wrkDuration(durationMs)}`, ...paced, url];
}

/**
 * A wrk Lua script that waits `delayMs` after each response before the connection's next request
 * (wrk's `delay()` hook), so `connections` connections offer about connections × 1000 / delayMs req/s
 * whichever server answers: the equal-pace runs compare CPU per request at the same rate.
 *
 * @example wrkPaceScript(40) // 'function delay()\n  return 40\nend\n'
 */
export function wrkPaceScript(delayMs: number): string {
  return `function delay()\n  return ${Math.max(1, Math.round(delayMs))}\nend\n`;
}

/**
 * The per-connection delay that offers about `rps` requests per second over `connections` connections
 * (response time ignored: at a pace well under saturation it is small next to the delay).
 *
 * @example paceDelayMs(1500, 64) // 43
 */
export function paceDelayMs(rps: number, connections: number): number {
  return Math.max(1, Math.round((connections * 1000) / rps));
}

/**
 * wrk's version from `wrk -v` ("wrk debian/4.1.0-3+b2 [epoll] …" → "4.1.0"), or "?" when unreadable.
 *
 * @example wrkVersion('/usr/bin/wrk') // '4.1.0'
 */
export function wrkVersion(binary: string): string {
  // `wrk -v` prints the version then its usage and exits non-zero: read the output, ignore the status.
  const r = spawnSync(binary, ['-v'], { encoding: 'utf8', timeout: 5_000 });
  return /(\d+\.\d+\.\d+)/.exec(`${r.stdout ?? ''}${r.stderr ?? ''}`)?.[1] ?? '?';
}
