/**
 * CPU accounting for the shield bench's hit runs: a running server's CPU time from Linux /proc, and a
 * load generator's CPU time through `/usr/bin/time` (Node's child_process reports no rusage for a
 * child). Numbers only: no verdicts here. Linux-only; every reader returns `undefined` elsewhere
 * rather than a made-up zero.
 */
import { execFile } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { promisify } from 'node:util';

const run = promisify(execFile);

/** USER_HZ: /proc/<pid>/stat counts CPU time in clock ticks, 100 per second on every Linux ABI Node runs on. */
const CLOCK_TICKS_PER_SEC = 100;
const TIME_BINARY = '/usr/bin/time';
const MARKER = 'edgeshield-cpu';

/**
 * User + system CPU seconds a process has used so far, all threads included (utime + stime of
 * /proc/<pid>/stat), or `undefined` when unreadable (process gone, not Linux).
 *
 * @example const before = procCpuSeconds(pid); …; const used = (procCpuSeconds(pid) ?? 0) - (before ?? 0);
 */
export function procCpuSeconds(pid: number): number | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after the last ')' (the command name may contain spaces and parentheses): state is
    // field 3, utime field 14, stime field 15 (proc(5)).
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const utime = Number(fields[11]);
    const stime = Number(fields[12]);
    return Number.isFinite(utime) && Number.isFinite(stime)
      ? (utime + stime) / CLOCK_TICKS_PER_SEC
      : undefined;
  } catch {
    return undefined;
  }
}

/**
 * CPU seconds of several processes together (a master and its workers), or `undefined` when none is
 * readable. A process that ended meanwhile counts as 0 from then on.
 *
 * @example treeCpuSeconds(processTree(nginxMaster))
 */
export function treeCpuSeconds(pids: readonly number[]): number | undefined {
  const each = pids.map(procCpuSeconds).filter((x): x is number => x !== undefined);
  return each.length === 0 ? undefined : each.reduce((a, b) => a + b, 0);
}

/** A finished child: its output and, when `/usr/bin/time` was there to measure it, its CPU seconds. */
export interface TimedRun {
  readonly stdout: string;
  readonly stderr: string;
  /** User + system CPU seconds of the child over its whole life; `undefined` without /usr/bin/time. */
  readonly cpuSec: number | undefined;
}

/**
 * Runs `command args` to completion, through `/usr/bin/time -f '%U %S'` when present so its CPU time
 * is known. Rejects when the command fails.
 *
 * @example const { stdout, cpuSec } = await runTimed('/usr/bin/wrk', ['-t1', '-c50', '-d3s', url]);
 */
export async function runTimed(command: string, args: readonly string[]): Promise<TimedRun> {
  const options = { maxBuffer: 64 << 20, encoding: 'utf8' } as const;
  if (!existsSync(TIME_BINARY)) {
    const { stdout, stderr } = await run(command, [...args], options);
    return { stdout, stderr, cpuSec: undefined };
  }
  const { stdout, stderr } = await run(TIME_BINARY, ['-f', `${MARKER} %U %S`, command, ...args], options);
  const m = new RegExp(`^${MARKER} ([\\d.]+) ([\\d.]+)$`, 'm').exec(stderr);
  return {
    stdout,
    stderr: stderr.replace(new RegExp(`^${MARKER} .*\\n?`, 'm'), ''),
    cpuSec: m ? Number(m[1]) + Number(m[2]) : undefined,
  };
}
