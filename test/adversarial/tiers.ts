/**
 * The tiers as separate real processes for the reliability categories: a shield (`node origin/main.ts`)
 * and a dev packager (`node scripts/packager/main.ts`), each startable, stoppable, signalable and
 * restartable on its own (unlike `npm start`, which stops the whole stack when one service dies).
 * Test helper: no assertions.
 */
import { freePort } from '../../scripts/stack/ports.ts';
import { type ManagedProcess, spawnService, waitForHttp } from '../../scripts/stack/processes.ts';
import { REPO_ROOT } from '../../scripts/stack/start-stack.ts';

export interface Tier {
  readonly url: string;
  readonly port: number;
  process(): ManagedProcess;
  /** SIGSTOP / SIGCONT / SIGKILL to the whole process group. */
  signal(signal: NodeJS.Signals): void;
  /** Starts it again on the same port (after a kill or stop). */
  restart(): Promise<void>;
  stop(): Promise<void>;
}

async function startTier(
  name: 'shield' | 'packager',
  script: string,
  env: (port: number) => Record<string, string>,
  readyPath: string,
): Promise<Tier> {
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  let proc: ManagedProcess;
  const launch = async () => {
    proc = spawnService(name, process.execPath, [script], { cwd: REPO_ROOT, env: env(port) });
    await waitForHttp(`${url}${readyPath}`, proc, 30_000);
  };
  await launch();
  return {
    url,
    port,
    process: () => proc,
    signal: (signal) => process.kill(-proc.pid, signal),
    restart: launch,
    stop: () => proc.stop(),
  };
}

/** The dev packager over `root`, ready once `readyPath` answers. */
export function startPackagerTier(root: string, readyPath: string): Promise<Tier> {
  return startTier(
    'packager',
    'scripts/packager/main.ts',
    (port) => ({ PACKAGER_HOST: '127.0.0.1', PACKAGER_PORT: String(port), PACKAGER_ROOT: root }),
    readyPath,
  );
}

/** A shield in front of `upstream`, without edge auth, plus any extra environment. */
export function startShieldTier(upstream: string, env: Record<string, string> = {}): Promise<Tier> {
  return startTier(
    'shield',
    'origin/main.ts',
    (port) => ({
      SHIELD_HOST: '127.0.0.1',
      SHIELD_PORT: String(port),
      SHIELD_UPSTREAMS: upstream,
      SHIELD_AUTH: 'off',
      SHIELD_LOG_LEVEL: 'error',
      ...env,
    }),
    '/healthz',
  );
}
