/**
 * The shield as a real process (`node origin/main.ts`, or a build's `main.js`) for tests: spawn with an environment, read
 * its JSON log lines, wait for it to listen. Every spawned process is SIGKILLed by `killAll` (call it
 * in afterEach/afterAll) so a failing test leaves nothing running.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const MAIN = fileURLToPath(new URL('../../origin/main.ts', import.meta.url));
const children: ChildProcess[] = [];

/** A spawned shield. */
export interface ShieldProcess {
  readonly child: ChildProcess;
  /** Resolves with the exit code (null when killed by a signal). */
  readonly exited: Promise<number | null>;
  /** Everything written to stdout and stderr so far. */
  output(): string;
  /** Parsed JSON log lines whose `msg` is `msg`. */
  logs(msg: string): Record<string, unknown>[];
}

/** Which shield to run: the sources by default, or a build (`npm run build:shield`) with node flags. */
export interface ShieldEntry {
  /** The entry script, e.g. `<out>/origin/main.js`. */
  readonly main?: string;
  /** Node flags before the script (cluster workers inherit them). */
  readonly execArgv?: readonly string[];
}

/** Spawns the shield with only PATH and `env`. */
export function runShield(env: Record<string, string>, entry: ShieldEntry = {}): ShieldProcess {
  const child = spawn(process.execPath, [...(entry.execArgv ?? []), entry.main ?? MAIN], {
    env: { PATH: process.env.PATH ?? '', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.push(child);
  let output = '';
  child.stdout?.on('data', (c: Buffer) => {
    output += c.toString();
  });
  child.stderr?.on('data', (c: Buffer) => {
    output += c.toString();
  });
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  const logs = (msg: string) =>
    output
      .split('\n')
      .filter((l) => l.includes(`"msg":"${msg}"`))
      .map((l) => JSON.parse(l) as Record<string, unknown>);
  return { child, exited, output: () => output, logs };
}

/** Spawns the shield and resolves with its public URL once it logs `listening`. */
export async function startShieldProcess(
  env: Record<string, string>,
  entry: ShieldEntry = {},
): Promise<ShieldProcess & { readonly url: string }> {
  const p = runShield(env, entry);
  await waitFor(() => p.logs('listening').length > 0, 30_000);
  const url = String(p.logs('listening')[0]?.url);
  return { ...p, url };
}

/** Polls `condition` every 25 ms until it holds; throws after `timeoutMs`. */
export async function waitFor(condition: () => boolean, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 25));
  }
}

/** SIGKILLs every shield still running (and, through their IPC channel, their workers). */
export function killAll(): void {
  for (const c of children.splice(0)) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
}
