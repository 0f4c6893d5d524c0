/**
 * Starts the whole local stack as real processes: dev packager → origin shield → edge (`wrangler dev`,
 * i.e. the Worker in workerd). Used by `npm start`, the e2e and playback tests and the bench, so all of
 * them exercise exactly what an operator runs. Everything binds 127.0.0.1; wrangler runs offline.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { freePort } from './ports.ts';
import { type ManagedProcess, spawnService, waitForHttp } from './processes.ts';

export const REPO_ROOT = resolve(fileURLToPath(new URL('../..', import.meta.url)));

export interface StackOptions {
  /** Directory of HLS media the packager serves (must exist). */
  readonly mediaDir: string;
  /** 0 (default) picks a free port. */
  readonly packagerPort?: number;
  readonly shieldPort?: number;
  readonly edgePort?: number;
  readonly inspectorPort?: number;
  /** Shared secret between edge and shield; a random one when omitted. */
  readonly sharedSecret?: string;
  /** Prefix and forward every service's output to this process's stdout/stderr. */
  readonly echo?: boolean;
  /** Extra environment per service. */
  readonly packagerEnv?: Record<string, string>;
  readonly shieldEnv?: Record<string, string>;
  /** Extra `--var KEY:VALUE` pairs for the Worker. */
  readonly edgeVars?: Record<string, string>;
}

export interface Stack {
  readonly packagerUrl: string;
  readonly shieldUrl: string;
  readonly edgeUrl: string;
  readonly processes: readonly ManagedProcess[];
  /** Stops every service (whole process groups) and removes wrangler's temporary state. */
  stop(): Promise<void>;
}

const READY_TIMEOUT_MS = 90_000;

/**
 * Starts packager, shield and edge in order, each once the previous answers its health check.
 * On any failure everything already started is stopped before the error propagates.
 *
 * @example
 *   const stack = await startStack({ mediaDir: '.media' });
 *   await fetch(`${stack.edgeUrl}/vod/ts/master.m3u8`);
 *   await stack.stop();
 */
export async function startStack(options: StackOptions): Promise<Stack> {
  const packagerPort = options.packagerPort || (await freePort());
  const shieldPort = options.shieldPort || (await freePort());
  const edgePort = options.edgePort || (await freePort());
  const inspectorPort = options.inspectorPort || (await freePort());
  const secret = options.sharedSecret ?? crypto.randomUUID();
  const echo = options.echo ?? false;
  const persistDir = mkdtempSync(join(tmpdir(), 'edgeshield-wrangler-'));
  const started: ManagedProcess[] = [];
  const stop = async () => {
    await Promise.all(started.map((p) => p.stop()));
    rmSync(persistDir, { recursive: true, force: true });
  };

  const packagerUrl = `http://127.0.0.1:${packagerPort}`;
  const shieldUrl = `http://127.0.0.1:${shieldPort}`;
  const edgeUrl = `http://127.0.0.1:${edgePort}`;
  try {
    const packager = spawnService('packager', process.execPath, ['scripts/packager/main.ts'], {
      cwd: REPO_ROOT,
      echo,
      env: {
        PACKAGER_HOST: '127.0.0.1',
        PACKAGER_PORT: String(packagerPort),
        PACKAGER_ROOT: resolve(options.mediaDir),
        ...options.packagerEnv,
      },
    });
    started.push(packager);
    await waitForHttp(`${packagerUrl}/vod/ts/master.m3u8`, packager, READY_TIMEOUT_MS);

    const shield = spawnService('shield', process.execPath, ['origin/main.ts'], {
      cwd: REPO_ROOT,
      echo,
      env: {
        SHIELD_HOST: '127.0.0.1',
        SHIELD_PORT: String(shieldPort),
        SHIELD_UPSTREAMS: packagerUrl,
        SHIELD_SHARED_SECRET: secret,
        ...options.shieldEnv,
      },
    });
    started.push(shield);
    await waitForHttp(`${shieldUrl}/healthz`, shield, READY_TIMEOUT_MS);

    const vars = { SHIELD_URLS: shieldUrl, SHIELD_SHARED_SECRET: secret, ...options.edgeVars };
    const edge = spawnService(
      'edge',
      process.execPath,
      [wranglerBin(), ...wranglerDevArgs(edgePort, inspectorPort, persistDir, vars)],
      {
        cwd: REPO_ROOT,
        echo,
        env: {
          WRANGLER_SEND_METRICS: 'false',
          CLOUDFLARE_CF_FETCH_ENABLED: 'false',
          WRANGLER_LOG_PATH: join(persistDir, 'logs'),
          NO_COLOR: '1',
        },
      },
    );
    started.push(edge);
    await waitForHttp(`${edgeUrl}/healthz`, edge, READY_TIMEOUT_MS);
  } catch (error) {
    await stop();
    throw error;
  }
  return { packagerUrl, shieldUrl, edgeUrl, processes: started, stop };
}

function wranglerBin(): string {
  // wrangler's exports map hides bin/; its package.json is exported and sits next to it.
  return join(dirname(createRequire(import.meta.url).resolve('wrangler/package.json')), 'bin', 'wrangler.js');
}

function wranglerDevArgs(
  port: number,
  inspectorPort: number,
  persistDir: string,
  vars: Record<string, string>,
): string[] {
  const args = [
    'dev',
    '--ip',
    '127.0.0.1',
    '--port',
    String(port),
    '--inspector-port',
    String(inspectorPort),
    '--persist-to',
    persistDir,
    '--show-interactive-dev-session=false',
    '--live-reload=false',
    '--log-level',
    'warn',
  ];
  for (const [key, value] of Object.entries(vars)) args.push('--var', `${key}:${value}`);
  return args;
}
