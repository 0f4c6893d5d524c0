/**
 * The servers the shield bench compares, each as its own process on a free 127.0.0.1 port: the
 * shield (as production runs it: the `npm run build:shield` output, built fresh for the run by
 * `buildShield`; optionally HTTPS and with several workers), nginx `proxy_cache` (lock on,
 * use_stale updating; one worker or `auto`, optionally `ssl`; installed from Debian packages when
 * absent and we are root), Varnish (default VCL, malloc storage), and a bare Node server answering
 * from memory. Also finds (or installs the same way) wrk, the hit-throughput load generator.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { freePort } from '../../scripts/stack/ports.ts';
import { type ManagedProcess, spawnService } from '../../scripts/stack/processes.ts';
import type { TargetName } from './report.ts';
import type { ProcessMemory } from './report-production.ts';
import { parseSmapsRollup } from './smaps.ts';
import { answers, type TlsFiles } from './tls.ts';

const REPO = resolve(fileURLToPath(new URL('../..', import.meta.url)));

/** A running server under test. */
export interface Target {
  readonly name: TargetName;
  /** `http://…` or `https://…` */
  readonly url: string;
  readonly pid: number;
  stop(): Promise<void>;
}

/** The shield's JavaScript build for one bench run. */
export interface ShieldBuild {
  /** `<dir>/origin/main.js` */
  readonly main: string;
  /** Deletes the build. */
  remove(): void;
}

/**
 * Builds the shield (`scripts/build/shield.ts`, what `npm run build:shield` runs) into a directory of
 * its own under dist/, so the bench measures what production runs and never a stale or concurrently
 * rebuilt dist/shield. Throws with tsc's output when the build fails.
 */
export function buildShield(): ShieldBuild {
  mkdirSync(join(REPO, 'dist'), { recursive: true });
  const dir = mkdtempSync(join(REPO, 'dist', 'bench-shield-'));
  const run = spawnSync(process.execPath, [join(REPO, 'scripts/build/shield.ts'), '--out', dir], {
    encoding: 'utf8',
    timeout: 180_000,
  });
  if (run.status !== 0) {
    rmSync(dir, { recursive: true, force: true });
    throw new Error(`build:shield failed:\n${run.stdout}${run.stderr}`);
  }
  return {
    main: join(dir, 'origin', 'main.js'),
    remove: () => rmSync(dir, { recursive: true, force: true }),
  };
}

/**
 * The built shield (`main`, from `buildShield`) with bench settings (logs at warn so access lines cost
 * nothing). Type stripping is off, so a `.ts` module can never load in a measured process (its
 * compiler would stay resident and skew the memory figures). With `tls` it is given SHIELD_TLS_CERT/KEY
 * and must answer HTTPS; a build that ignores those keys answers plain HTTP and the returned target
 * says so (`tls: false`).
 */
export async function startShieldTarget(
  main: string,
  upstream: string,
  env: Record<string, string> = {},
  options: { readonly name?: TargetName; readonly tls?: TlsFiles } = {},
): Promise<Target & { readonly tls: boolean }> {
  const port = await freePort();
  const tlsEnv = options.tls ? { SHIELD_TLS_CERT: options.tls.cert, SHIELD_TLS_KEY: options.tls.key } : {};
  const proc = spawnService('shield', process.execPath, ['--no-experimental-strip-types', main], {
    env: {
      SHIELD_HOST: '127.0.0.1',
      SHIELD_PORT: String(port),
      SHIELD_UPSTREAMS: upstream,
      SHIELD_LOG_LEVEL: 'warn',
      // Like for like: nginx and bare Node check no credential either (the check is one SHA-256 per request).
      SHIELD_AUTH: 'off',
      ...tlsEnv,
      ...env,
    },
  });
  const name = options.name ?? 'shield';
  if (!options.tls)
    return { ...(await ready(name, `http://127.0.0.1:${port}`, proc, '/healthz')), tls: false };
  const https = `https://127.0.0.1:${port}`;
  const http = `http://127.0.0.1:${port}`;
  const url = await ready(name, [https, http], proc, '/healthz').then((t) => t.url);
  return { name, url, pid: proc.pid, stop: () => proc.stop(3_000), tls: url === https };
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

/** Path of varnishd, installing it when root and absent; `undefined` with a note otherwise. */
export function ensureVarnish(note: (line: string) => void): string | undefined {
  const paths = ['/usr/sbin/varnishd', '/usr/bin/varnishd', '/usr/local/sbin/varnishd'];
  return ensureDebianBinary('varnish', paths, 'skipping the Varnish column', note);
}

/**
 * Varnish in front of `upstream` with its default VCL (request coalescing and streaming are on by
 * default), 256 MiB malloc storage, its work directory in a temp dir. `-j none`: as root the default
 * jail drops to the `varnish` user, which cannot write a private temp dir.
 */
export async function startVarnishTarget(binary: string, upstream: string): Promise<Target> {
  const port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), 'edgeshield-varnish-'));
  const origin = new URL(upstream);
  const proc = spawnService('varnish', binary, [
    '-F',
    '-j',
    'none',
    '-a',
    `127.0.0.1:${port}`,
    '-b',
    origin.host,
    '-n',
    dir,
    '-s',
    'malloc,256m',
  ]);
  const target = await ready('varnish', `http://127.0.0.1:${port}`, proc, '/healthz');
  return {
    ...target,
    stop: async () => {
      await target.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
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

/** How to run nginx: `workers` 1 (like the one-process shield) or `auto` (production), HTTP or `ssl`. */
export interface NginxOptions {
  readonly sendfile: boolean;
  readonly workers?: 1 | 'auto';
  readonly tls?: TlsFiles;
  readonly name?: TargetName;
}

/**
 * nginx proxy_cache in front of `upstream`: one worker (the shield is one process) unless `auto`,
 * cache lock on, `proxy_cache_use_stale updating`, keep-alive to the origin, no access log. `sendfile`
 * on is the usual production setting; on loopback nginx serves 1 MB hits faster with it off
 * (measured), so the bench runs both and judges the one-worker hit throughput against the faster one.
 * The target's pid is the worker's with one worker, the master's with `auto` (CPU and RSS are then
 * read over the master's process tree).
 */
export async function startNginxTarget(
  binary: string,
  upstream: string,
  options: NginxOptions = { sendfile: true },
): Promise<Target> {
  const name = options.name ?? (options.sendfile ? 'nginx' : 'nginx-sendfile-off');
  const workers = options.workers ?? 1;
  const port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), 'edgeshield-nginx-'));
  mkdirSync(join(dir, 'cache'));
  const origin = new URL(upstream);
  const root = process.getuid?.() === 0 ? 'user root;\n' : '';
  writeFileSync(
    join(dir, 'nginx.conf'),
    `${root}worker_processes ${workers};
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
    listen 127.0.0.1:${port}${options.tls ? ' ssl' : ''};
${options.tls ? `    ssl_certificate ${options.tls.cert};\n    ssl_certificate_key ${options.tls.key};\n    ssl_session_cache shared:tls:10m;\n` : ''}    location / {
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
  const scheme = options.tls ? 'https' : 'http';
  const target = await ready(name, `${scheme}://127.0.0.1:${port}`, proc, '/healthz');
  return {
    ...target,
    pid: workers === 1 ? (workerPid(dir) ?? target.pid) : target.pid,
    stop: async () => {
      await target.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Waits until one of `urls` answers `health` with 2xx (HTTPS: any certificate); the target uses that one. */
async function ready(
  name: TargetName,
  urls: string | readonly string[],
  proc: ManagedProcess,
  health: string,
): Promise<Target> {
  const candidates = typeof urls === 'string' ? [urls] : urls;
  const deadline = Date.now() + 30_000;
  let exited: number | string | undefined;
  void proc.exited.then((code) => {
    exited = code;
  });
  while (Date.now() < deadline) {
    if (exited !== undefined)
      throw new Error(`${proc.name} exited (${exited}) before it was ready:\n${proc.tail()}`);
    for (const url of candidates) {
      if (await answers(`${url}${health}`)) return { name, url, pid: proc.pid, stop: () => proc.stop(3_000) };
    }
    await new Promise((r) => setTimeout(r, 150));
  }
  await proc.stop(3_000);
  throw new Error(`${proc.name} not ready at ${candidates.join(' or ')} after 30 s:\n${proc.tail()}`);
}

/**
 * The pids of `pid` and all its descendants (Linux /proc), `pid` first: a shield with SHIELD_WORKERS
 * or nginx with `auto` serves from several processes.
 *
 * @example processTree(masterPid) // [master, worker1, worker2]
 */
export function processTree(pid: number): number[] {
  const out = [pid];
  for (let i = 0; i < out.length; i++) {
    const p = out[i] ?? 0;
    let tasks: string[] = [];
    try {
      tasks = readdirSync(`/proc/${p}/task`);
    } catch {
      continue;
    }
    for (const task of tasks) {
      try {
        for (const child of readFileSync(`/proc/${p}/task/${task}/children`, 'utf8').trim().split(/\s+/)) {
          const c = Number(child);
          if (Number.isSafeInteger(c) && c > 0 && !out.includes(c)) out.push(c);
        }
      } catch {
        // the task ended meanwhile
      }
    }
  }
  return out;
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

/**
 * RSS, private and PSS of a process in MiB (rounded), from /proc/<pid>/smaps_rollup; `undefined` when
 * unreadable (the process is gone, or not Linux).
 */
export function processMemory(pid: number): ProcessMemory | undefined {
  let text: string;
  try {
    text = readFileSync(`/proc/${pid}/smaps_rollup`, 'utf8');
  } catch {
    return undefined;
  }
  const r = parseSmapsRollup(text);
  const mib = (kib: number) => Math.round(kib / 1024);
  return r && { rssMb: mib(r.rssKiB), privateMb: mib(r.privateKiB), pssMb: mib(r.pssKiB) };
}
