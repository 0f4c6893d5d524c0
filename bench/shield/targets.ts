/**
 * The servers the shield bench compares, each as its own process on a free 127.0.0.1 port: the
 * shield (`origin/main.ts`), nginx `proxy_cache` (lock on, use_stale updating; installed from Debian
 * packages when absent and we are root), and a bare Node server answering from memory. Also finds
 * (or installs the same way) wrk, the hit-throughput load generator.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { freePort } from '../../scripts/stack/ports.ts';
import { type ManagedProcess, spawnService, waitForHttp } from '../../scripts/stack/processes.ts';

const REPO = resolve(fileURLToPath(new URL('../..', import.meta.url)));

/** A running server under test. */
export interface Target {
  readonly name: 'shield' | 'nginx' | 'nginx-sendfile-off' | 'bare-node';
  readonly url: string;
  readonly pid: number;
  stop(): Promise<void>;
}

/** The shield with bench settings (logs at warn so access lines cost nothing). */
export async function startShieldTarget(upstream: string, env: Record<string, string> = {}): Promise<Target> {
  const port = await freePort();
  const proc = spawnService('shield', process.execPath, [join(REPO, 'origin/main.ts')], {
    env: {
      SHIELD_HOST: '127.0.0.1',
      SHIELD_PORT: String(port),
      SHIELD_UPSTREAMS: upstream,
      SHIELD_LOG_LEVEL: 'warn',
      // Like for like: nginx and bare Node check no credential either (the check is one SHA-256 per request).
      SHIELD_AUTH: 'off',
      ...env,
    },
  });
  return ready('shield', `http://127.0.0.1:${port}`, proc, '/healthz');
}

/** Bare Node from memory. */
export async function startBareTarget(): Promise<Target> {
  const port = await freePort();
  const proc = spawnService('bare-node', process.execPath, [
    join(REPO, 'bench/shield/bare-server.ts'),
    String(port),
  ]);
  return ready('bare-node', `http://127.0.0.1:${port}`, proc, '/healthz');
}

/** Path of the nginx binary, installing it when root and absent; `undefined` with a note otherwise. */
export function ensureNginx(note: (line: string) => void): string | undefined {
  const paths = ['/usr/sbin/nginx', '/usr/bin/nginx', '/usr/local/sbin/nginx'];
  return ensureDebianBinary('nginx', paths, 'skipping the nginx column', note);
}

/**
 * Path of the wrk binary (the hit-throughput load generator), installing it when root and absent;
 * `undefined` with a note otherwise (the bench then falls back to the Node client, load.ts `rate`).
 *
 * @example const wrk = ensureWrk((line) => notes.push(line)); // '/usr/bin/wrk'
 */
export function ensureWrk(note: (line: string) => void): string | undefined {
  const without = 'hit runs use the Node client (load.ts rate), whose req/s are client-bound';
  return ensureDebianBinary('wrk', ['/usr/bin/wrk', '/usr/local/bin/wrk'], without, note);
}

/**
 * The first existing candidate path; else, when root, installs `pkg` from Debian packages (retrying
 * after `apt-get update`, for a stale or empty package index) and looks again. `without` says what
 * the bench does instead when the binary cannot be had.
 */
function ensureDebianBinary(
  pkg: string,
  candidates: readonly string[],
  without: string,
  note: (line: string) => void,
): string | undefined {
  const found = candidates.find((p) => existsSync(p));
  if (found) return found;
  const hint = `apt-get install -y --no-install-recommends ${pkg}`;
  if (process.getuid?.() !== 0) {
    note(`${pkg} not installed and not root: ${without} (${hint})`);
    return undefined;
  }
  note(`installing ${pkg} from Debian packages…`);
  const apt = (args: string[]) => execFileSync('apt-get', args, { stdio: 'ignore', timeout: 300_000 });
  try {
    try {
      apt(['install', '-y', '--no-install-recommends', pkg]);
    } catch {
      apt(['update']);
      apt(['install', '-y', '--no-install-recommends', pkg]);
    }
  } catch (error) {
    note(
      `${pkg} could not be installed: ${without} (${error instanceof Error ? error.message : String(error)})`,
    );
    return undefined;
  }
  const installed = candidates.find((p) => existsSync(p));
  if (!installed) note(`${pkg} installed but not found at ${candidates.join(', ')}: ${without}`);
  return installed;
}

/**
 * nginx proxy_cache in front of `upstream`: one worker (the shield is one process), cache lock on,
 * `proxy_cache_use_stale updating`, keep-alive to the origin, no access log. `sendfile` on is the
 * usual production setting; on loopback nginx serves 1 MB hits faster with it off (measured), so the
 * bench runs both and judges hit throughput against the faster one.
 */
export async function startNginxTarget(
  binary: string,
  upstream: string,
  options: { readonly sendfile: boolean } = { sendfile: true },
): Promise<Target> {
  const name = options.sendfile ? 'nginx' : 'nginx-sendfile-off';
  const port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), 'edgeshield-nginx-'));
  mkdirSync(join(dir, 'cache'));
  const origin = new URL(upstream);
  const root = process.getuid?.() === 0 ? 'user root;\n' : '';
  writeFileSync(
    join(dir, 'nginx.conf'),
    `${root}worker_processes 1;
daemon off;
pid ${dir}/nginx.pid;
error_log ${dir}/error.log warn;
events { worker_connections 4096; }
http {
  access_log off;
  sendfile ${options.sendfile ? 'on' : 'off'};
  tcp_nopush on;
  keepalive_requests 100000;
  client_body_temp_path ${dir}/body;
  proxy_temp_path ${dir}/proxy;
  fastcgi_temp_path ${dir}/fastcgi;
  uwsgi_temp_path ${dir}/uwsgi;
  scgi_temp_path ${dir}/scgi;
  proxy_cache_path ${dir}/cache levels=1:2 keys_zone=shield:64m max_size=4g inactive=1h use_temp_path=off;
  upstream origin { server ${origin.host}; keepalive 64; }
  server {
    listen 127.0.0.1:${port};
    location / {
      proxy_pass http://origin;
      proxy_http_version 1.1;
      proxy_set_header Connection "";
      proxy_cache shield;
      proxy_cache_lock on;
      proxy_cache_lock_timeout 10s;
      proxy_cache_use_stale updating error timeout http_500 http_502 http_503 http_504;
      add_header x-cache $upstream_cache_status;
    }
  }
}
`,
  );
  const proc = spawnService('nginx', binary, ['-p', dir, '-c', join(dir, 'nginx.conf')]);
  const target = await ready(name, `http://127.0.0.1:${port}`, proc, '/healthz');
  return {
    ...target,
    pid: workerPid(dir) ?? target.pid,
    stop: async () => {
      await target.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

async function ready(
  name: Target['name'],
  url: string,
  proc: ManagedProcess,
  health: string,
): Promise<Target> {
  await waitForHttp(`${url}${health}`, proc, 30_000);
  return { name, url, pid: proc.pid, stop: () => proc.stop(3_000) };
}

/** nginx's worker (the process that serves) is the master's child; RSS is read from it. */
function workerPid(dir: string): number | undefined {
  try {
    const master = readFileSync(join(dir, 'nginx.pid'), 'utf8').trim();
    const children = readFileSync(`/proc/${master}/task/${master}/children`, 'utf8').trim().split(/\s+/);
    const first = Number(children[0]);
    return Number.isSafeInteger(first) && first > 0 ? first : undefined;
  } catch {
    return undefined;
  }
}

/** Resident set size of a process in bytes (Linux /proc), or 0 when unreadable. */
export function rssBytes(pid: number): number {
  try {
    const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m?.[1] === undefined ? 0 : Number(m[1]) * 1024;
  } catch {
    return 0;
  }
}
