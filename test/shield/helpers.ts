/**
 * Shared setup for shield tests: a counting upstream, an in-process shield on port 0, and a raw
 * HTTP client that sends paths byte-for-byte (no client-side normalisation) and reports aborts.
 */
import { request } from 'node:http';
import { parseShieldConfig, type ShieldConfig, type ShieldEnv } from '../../origin/config.ts';
import { silentLogger } from '../../origin/log.ts';
import { type RunningShield, type ShieldDeps, startShield } from '../../origin/server.ts';
import { freePort } from '../../scripts/stack/ports.ts';
import { type CountingUpstream, startCountingUpstream } from '../fixtures/counting-upstream.ts';

/**
 * A config built the way main.ts builds it, from env-style strings, bound to port 0. Tests that are
 * not about edge credentials run with SHIELD_AUTH=off; auth tests pass SHIELD_SHARED_SECRET.
 */
export function shieldConfig(env: ShieldEnv): ShieldConfig {
  const auth = env.SHIELD_SHARED_SECRET === undefined ? { SHIELD_AUTH: 'off' } : {};
  // In-process: one server, never a cluster (the 1/N cache-share check must not apply to small test caches).
  const r = parseShieldConfig({
    SHIELD_PORT: '0',
    SHIELD_LOG_LEVEL: 'silent',
    SHIELD_WORKERS: '1',
    ...auth,
    ...env,
  });
  if (!r.ok) throw new Error(`bad test config: ${JSON.stringify(r.error)}`);
  return r.value;
}

export interface Pair {
  readonly upstream: CountingUpstream;
  readonly shield: RunningShield;
  close(): Promise<void>;
}

/** A counting upstream plus a shield in front of it. */
export async function startPair(env: ShieldEnv = {}, deps: ShieldDeps = {}): Promise<Pair> {
  const upstream = await startCountingUpstream();
  const shield = await startShield(
    shieldConfig({ SHIELD_UPSTREAMS: upstream.url, SHIELD_UPSTREAM_TIMEOUT_MS: '2000', ...env }),
    { logger: silentLogger, ...deps },
  );
  return {
    upstream,
    shield,
    close: async () => {
      await shield.close();
      await upstream.close();
    },
  };
}

export interface RawResponse {
  readonly status: number;
  readonly headers: Record<string, string | string[] | undefined>;
  readonly body: Buffer;
  header(name: string): string | undefined;
  json(): unknown;
}

/**
 * Sends one request on a fresh connection with `path` exactly as given. Rejects if the response is
 * aborted before its body completes.
 */
export function send(
  baseUrl: string,
  path: string,
  options: { method?: string; headers?: Record<string, string> } = {},
): Promise<RawResponse> {
  const url = new URL(baseUrl);
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: url.hostname,
        port: url.port,
        path,
        method: options.method ?? 'GET',
        headers: options.headers,
        agent: false,
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('error', reject);
        res.on('close', () => {
          if (!res.complete) reject(new Error('response aborted before completion'));
        });
        res.on('end', () => {
          const body = Buffer.concat(chunks);
          resolve({
            status: res.statusCode ?? 0,
            headers: res.headers,
            body,
            header: (name) => {
              const v = res.headers[name.toLowerCase()];
              return Array.isArray(v) ? v.join(', ') : v;
            },
            json: () => JSON.parse(body.toString('utf8')),
          });
        });
      },
    );
    req.on('error', reject);
    req.end();
  });
}

/** Cache-Control a packager sends for segments (CONTRACT.md). */
export const IMMUTABLE = {
  'cache-control': 'public, max-age=31536000, immutable',
  'content-type': 'video/mp2t',
};

/**
 * A URL on a port nothing listens on, so connections to it are refused. Picked by freePort(), below the
 * kernel's ephemeral range: a port released after listen(0) is one the next listen(0) of any test file
 * running beside this one may be handed, and then the "refused" upstream answers.
 */
export async function closedPortUrl(): Promise<string> {
  return `http://127.0.0.1:${await freePort()}`;
}
