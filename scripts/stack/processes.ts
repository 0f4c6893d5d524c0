/**
 * Child processes of the local stack: spawned in their own process group so that stopping one also
 * stops everything it started (wrangler starts workerd; killing only wrangler would orphan workerd).
 * Node-only; used by `npm start`, the e2e and playback tests and the bench.
 */
import { type ChildProcess, spawn } from 'node:child_process';

export interface ManagedProcess {
  readonly name: string;
  readonly pid: number;
  /** Resolves with the exit code (or signal name) when the process group leader exits. */
  readonly exited: Promise<number | string>;
  /** Last lines of combined stdout/stderr, for error messages. */
  tail(): string;
  /** SIGTERM to the whole group, SIGKILL after `graceMs`. Idempotent. */
  stop(graceMs?: number): Promise<void>;
}

export interface SpawnOptions {
  readonly env?: Record<string, string | undefined>;
  readonly cwd?: string;
  /** Forward output to this process's stdout/stderr with a `[name]` prefix. */
  readonly echo?: boolean;
  /**
   * Every non-blank stdout line, unbounded (tail() keeps only the last 60), e.g. NDJSON records.
   * Returning `false` keeps that line out of the echo.
   */
  readonly onStdoutLine?: (line: string) => boolean | undefined;
}

const TAIL_LINES = 60;
const live = new Set<ManagedProcess>();

/**
 * Spawns `command args…` as a process-group leader.
 *
 * @example const shield = spawnService('shield', process.execPath, ['origin/main.ts'], { env: { SHIELD_PORT: '0' } });
 */
export function spawnService(
  name: string,
  command: string,
  args: readonly string[],
  options: SpawnOptions = {},
): ManagedProcess {
  const child: ChildProcess = spawn(command, [...args], {
    cwd: options.cwd,
    env: { ...process.env, ...options.env },
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const lines: string[] = [];
  // Chunks split lines anywhere: keep the unfinished tail per stream until its newline arrives.
  const partial = new Map<NodeJS.WritableStream, string>();
  const collect = (stream: NodeJS.WritableStream) => (chunk: Buffer) => {
    const text = (partial.get(stream) ?? '') + chunk.toString('utf8');
    const parts = text.split('\n');
    partial.set(stream, parts.pop() ?? '');
    for (const line of parts) {
      if (line.trim() === '') continue;
      const keep = stream === process.stdout ? options.onStdoutLine?.(line) !== false : true;
      lines.push(line);
      if (lines.length > TAIL_LINES) lines.shift();
      if (options.echo && keep) stream.write(`[${name}] ${line}\n`);
    }
  };
  child.stdout?.on('data', collect(process.stdout));
  child.stderr?.on('data', collect(process.stderr));
  const exited = new Promise<number | string>((resolve) => {
    child.once('exit', (code, signal) => resolve(code ?? signal ?? 'unknown'));
    child.once('error', (error) => {
      lines.push(`spawn error: ${error.message}`);
      resolve('spawn-error');
    });
  });
  const pid = child.pid ?? -1;
  let stopping: Promise<void> | undefined;
  const managed: ManagedProcess = {
    name,
    pid,
    exited,
    tail: () => lines.join('\n'),
    stop(graceMs = 5_000) {
      stopping ??= (async () => {
        killGroup(pid, 'SIGTERM');
        const timer = setTimeout(() => killGroup(pid, 'SIGKILL'), graceMs);
        await exited;
        clearTimeout(timer);
        // The leader is gone; make sure no grandchild (workerd) outlives it.
        killGroup(pid, 'SIGKILL');
        live.delete(managed);
      })();
      return stopping;
    },
  };
  live.add(managed);
  void exited.then(() => live.delete(managed));
  return managed;
}

function killGroup(pid: number, signal: NodeJS.Signals): void {
  if (pid <= 0) return;
  try {
    process.kill(-pid, signal);
  } catch {
    // ESRCH: the group is already gone.
  }
}

/** Synchronous last resort on process exit: no child group survives its parent. */
process.once('exit', () => {
  for (const p of live) killGroup(p.pid, 'SIGKILL');
});

/**
 * What a readiness poll makes of one response: `ready`, `wait` (poll again) or an error that ends the
 * wait at once (e.g. a service that answers but will never be healthy).
 */
export type ReadyJudge = (res: Response) => Promise<'ready' | 'wait' | Error>;

const okIsReady: ReadyJudge = async (res) => {
  await res.body?.cancel();
  return res.ok ? 'ready' : 'wait';
};

/**
 * Polls `url` until `judge` says ready (default: any 2xx), the process exits, or `timeoutMs` passes.
 * Throws with the process's output tail so a failed start explains itself.
 */
export async function waitForHttp(
  url: string,
  proc: ManagedProcess,
  timeoutMs = 60_000,
  judge: ReadyJudge = okIsReady,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let exited: number | string | undefined;
  void proc.exited.then((code) => {
    exited = code;
  });
  while (Date.now() < deadline) {
    if (exited !== undefined) {
      throw new Error(`${proc.name} exited (${exited}) before it was ready:\n${proc.tail()}`);
    }
    let verdict: 'ready' | 'wait' | Error = 'wait';
    try {
      verdict = await judge(await fetch(url, { signal: AbortSignal.timeout(2_000) }));
    } catch {
      // not listening yet
    }
    if (verdict instanceof Error) throw verdict;
    if (verdict === 'ready') return;
    await new Promise((r) => setTimeout(r, 150));
  }
  throw new Error(`${proc.name} not ready at ${url} after ${timeoutMs} ms:\n${proc.tail()}`);
}
