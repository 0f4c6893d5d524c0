/**
 * nginx proxy_cache as a baseline CDN tier in front of the packager (same pass, same trace). Installs
 * nginx from Debian packages when absent and running as root; otherwise reports why it is skipped.
 * Runs nginx in the foreground in its own temp prefix on a free loopback port; stop() removes it all.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from '../../scripts/stack/ports.ts';
import { spawnService, waitForHttp } from '../../scripts/stack/processes.ts';

export interface Baseline {
  readonly url: string;
  stop(): Promise<void>;
}

const has = (cmd: string) => spawnSync('sh', ['-c', `command -v ${cmd}`], { stdio: 'ignore' }).status === 0;

/** nginx on PATH (or /usr/sbin), installing it with apt when we are root; a reason string when impossible. */
export function ensureNginx(): { ok: true; bin: string } | { ok: false; reason: string } {
  const find = () => (has('nginx') ? 'nginx' : has('/usr/sbin/nginx') ? '/usr/sbin/nginx' : undefined);
  let bin = find();
  if (bin === undefined) {
    if (process.getuid?.() !== 0)
      return { ok: false, reason: 'nginx not installed and not root: nginx baseline skipped' };
    const run = spawnSync('apt-get', ['install', '-y', '--no-install-recommends', 'nginx'], {
      stdio: 'ignore',
      timeout: 180_000,
      env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' },
    });
    bin = find();
    if (run.status !== 0 || bin === undefined)
      return {
        ok: false,
        reason: `apt-get install nginx failed (status ${run.status}): nginx baseline skipped`,
      };
  }
  return { ok: true, bin };
}

/** nginx.conf for a cache in front of `upstream`; cache key is the path only (tokens/CMCD stripped). */
export function nginxConfig(dir: string, port: number, upstream: string, asRoot: boolean): string {
  return `${asRoot ? 'user root;\n' : ''}daemon off;
worker_processes 1;
pid ${dir}/nginx.pid;
error_log ${dir}/error.log warn;
events { worker_connections 1024; }
http {
  access_log off;
  client_body_temp_path ${dir}/body; proxy_temp_path ${dir}/proxy; fastcgi_temp_path ${dir}/fcgi;
  uwsgi_temp_path ${dir}/uwsgi; scgi_temp_path ${dir}/scgi;
  proxy_cache_path ${dir}/cache levels=1:2 keys_zone=bench:10m max_size=512m inactive=10m use_temp_path=off;
  server {
    listen 127.0.0.1:${port};
    location / {
      proxy_pass ${upstream};
      proxy_http_version 1.1;
      proxy_set_header Connection "";
      proxy_cache bench;
      proxy_cache_key $uri;
      proxy_cache_lock on;
      proxy_cache_use_stale updating;
      add_header X-Cache $upstream_cache_status always;
    }
  }
}
`;
}

/** Starts nginx in front of `upstream`. */
export async function startNginx(bin: string, upstream: string): Promise<Baseline> {
  const dir = mkdtempSync(join(tmpdir(), 'edgeshield-nginx-'));
  mkdirSync(join(dir, 'cache'));
  const port = await freePort();
  const conf = join(dir, 'nginx.conf');
  writeFileSync(conf, nginxConfig(dir, port, upstream, process.getuid?.() === 0));
  const proc = spawnService('nginx', bin, ['-p', dir, '-c', conf]);
  const url = `http://127.0.0.1:${port}`;
  try {
    await waitForHttp(`${url}/vod/ts/master.m3u8`, proc, 20_000);
  } catch (e) {
    await proc.stop();
    rmSync(dir, { recursive: true, force: true });
    throw e;
  }
  return {
    url,
    async stop() {
      await proc.stop(2_000);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
