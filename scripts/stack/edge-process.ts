/**
 * The edge of the local stack: `wrangler dev` (the Worker in workerd) on loopback, offline, with its
 * settings in a private env file (edge-env.ts) rather than `--var` arguments, so keys and the shield
 * secret never show in a process listing. Readiness fails at once on 500 EDGE_ERR_CONFIG, quoting the
 * issues the Worker logged. Must not decide the settings (start-stack.ts and dev.ts do).
 */
import { writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { EdgeConfigError, writeEdgeEnvFile } from './edge-env.ts';
import {
  type ManagedProcess,
  type ReadyJudge,
  type SpawnOptions,
  spawnService,
  waitForHttp,
} from './processes.ts';

export interface EdgeProcessOptions {
  readonly repoRoot: string;
  readonly port: number;
  readonly inspectorPort: number;
  /** wrangler `--persist-to`; the env file and cf.json are written here too (removed with it). */
  readonly persistDir: string;
  /** Every binding override for the Worker (on top of wrangler.toml [vars]). */
  readonly vars: Readonly<Record<string, string>>;
  readonly logLevel: string;
  /** Simulated `request.cf` (see StackOptions.cf). */
  readonly cf?: Record<string, unknown>;
  readonly spawn: Pick<SpawnOptions, 'echo' | 'onStdoutLine'>;
  readonly readyTimeoutMs: number;
}

/**
 * Spawns wrangler dev and waits for `/healthz`. The caller stops the returned process on failure via
 * `onSpawn` (it is handed over before the wait).
 */
export async function startEdgeProcess(
  options: EdgeProcessOptions,
  onSpawn: (proc: ManagedProcess) => void,
): Promise<ManagedProcess> {
  const envFile = join(options.persistDir, 'edge.env');
  await writeEdgeEnvFile(envFile, options.vars);
  const cfEnv: Record<string, string> = { CLOUDFLARE_CF_FETCH_ENABLED: 'false' };
  if (options.cf) {
    // Miniflare reads a cf.json younger than 30 days from this path instead of fetching one.
    const cfPath = join(options.persistDir, 'cf.json');
    writeFileSync(cfPath, JSON.stringify({ colo: 'DEV', ...options.cf }));
    delete cfEnv.CLOUDFLARE_CF_FETCH_ENABLED;
    cfEnv.CLOUDFLARE_CF_FETCH_PATH = cfPath;
  }
  const edge = spawnService('edge', process.execPath, [wranglerBin(), ...wranglerDevArgs(options, envFile)], {
    cwd: options.repoRoot,
    ...options.spawn,
    env: {
      WRANGLER_SEND_METRICS: 'false',
      // The env file is the whole set: never let the operator's process.env leak in as secrets.
      CLOUDFLARE_INCLUDE_PROCESS_ENV: 'false',
      ...cfEnv,
      WRANGLER_LOG_PATH: join(options.persistDir, 'logs'),
      NO_COLOR: '1',
    },
  });
  onSpawn(edge);
  await waitForHttp(
    `http://127.0.0.1:${options.port}/healthz`,
    edge,
    options.readyTimeoutMs,
    configErrorJudge(edge),
  );
  return edge;
}

/**
 * Ready on 2xx; on 500 EDGE_ERR_CONFIG an EdgeConfigError with the issues the Worker logged (it logs
 * them once per isolate, just before answering), instead of polling until the timeout.
 */
export function configErrorJudge(edge: ManagedProcess): ReadyJudge {
  return async (res) => {
    const body = await res.text();
    if (res.ok) return 'ready';
    if (res.status !== 500 || !body.includes('EDGE_ERR_CONFIG')) return 'wait';
    for (let i = 0; i < 20; i++) {
      const issues = loggedIssues(edge.tail());
      if (issues.length > 0) return new EdgeConfigError(issues);
      await new Promise((r) => setTimeout(r, 100));
    }
    return new EdgeConfigError([`the edge answers 500 EDGE_ERR_CONFIG; its output:\n${edge.tail()}`]);
  };
}

/** The `issues` of the Worker's `{"level":"error","code":"EDGE_ERR_CONFIG","issues":[…]}` log line. */
function loggedIssues(tail: string): string[] {
  for (const line of tail.split('\n')) {
    const at = line.indexOf('{"level":"error","code":"EDGE_ERR_CONFIG"');
    if (at < 0) continue;
    try {
      const issues: unknown = JSON.parse(line.slice(at)).issues;
      if (Array.isArray(issues)) return issues.map(String);
    } catch {
      // a line cut by the console: keep looking
    }
  }
  return [];
}

function wranglerBin(): string {
  // wrangler's exports map hides bin/; its package.json is exported and sits next to it.
  return join(dirname(createRequire(import.meta.url).resolve('wrangler/package.json')), 'bin', 'wrangler.js');
}

function wranglerDevArgs(options: EdgeProcessOptions, envFile: string): string[] {
  return [
    'dev',
    '--ip',
    '127.0.0.1',
    '--port',
    String(options.port),
    '--inspector-port',
    String(options.inspectorPort),
    '--persist-to',
    options.persistDir,
    // Settings and secrets by file (owner-only), never `--var`: argv is world-readable in /proc.
    '--env-file',
    envFile,
    '--show-interactive-dev-session=false',
    '--live-reload=false',
    '--log-level',
    options.logLevel,
  ];
}
