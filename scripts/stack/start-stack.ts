/**
 * Starts the whole local stack as real processes: dev packager → origin shield → edge (`wrangler dev`,
 * i.e. the Worker in workerd), or shield → edge in front of an operator's origin; with `rtc`, also the
 * WebRTC media server (origin/rtc) behind the edge's WHIP/WHEP routes. Used by `npm start`,
 * the e2e and playback tests and the bench, so all of them exercise exactly what an operator runs.
 * Everything binds 127.0.0.1; wrangler runs offline. Secrets go to children through their environment
 * or an owner-only file, never their command line.
 */
import { createWriteStream, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type SignerKeys, type SignUrlOptions, signUrl } from '../../src/core/auth/signer.ts';
import { ensureDevKeys } from '../sign/dev-keys.ts';
import { EdgeConfigError, edgeConfigIssues, readWranglerVars } from './edge-env.ts';
import { startEdgeProcess } from './edge-process.ts';
import { freePort } from './ports.ts';
import { type ManagedProcess, spawnService, waitForHttp } from './processes.ts';

export const REPO_ROOT = resolve(fileURLToPath(new URL('../..', import.meta.url)));

export interface StackOptions {
  /** Directory of HLS media the dev packager serves (must exist). Exactly one of this and `upstreams`. */
  readonly mediaDir?: string;
  /** The operator's origins (SHIELD_UPSTREAMS): no dev packager is started, the shield fronts these. */
  readonly upstreams?: readonly string[];
  /** Path the packager must answer 2xx before the shield starts (default /vod/ts/master.m3u8). */
  readonly packagerReadyPath?: string;
  /** 0 (default) picks a free port. */
  readonly packagerPort?: number;
  readonly shieldPort?: number;
  readonly edgePort?: number;
  readonly inspectorPort?: number;
  /**
   * Also start the RTC media server (WHIP/WHEP, issue 16) and point the edge's RTC_URLS at it, with the
   * same shared secret as the shield. Its sample stream is `live` (ffmpeg runs while it is up). Its
   * RTC_USAGE_URL is the edge, so WebRTC sessions reach the local D1 ledger (`rtcEnv` may turn it off).
   */
  readonly rtc?: boolean;
  readonly rtcPort?: number;
  readonly rtcEnv?: Record<string, string>;
  /** Shared secret between edge and shield; a random one when omitted. */
  readonly sharedSecret?: string;
  /** Prefix and forward every service's output to this process's stdout/stderr. */
  readonly echo?: boolean;
  /** Extra environment per service. */
  readonly packagerEnv?: Record<string, string>;
  readonly shieldEnv?: Record<string, string>;
  /**
   * Extra bindings for the Worker, over the stack's own (SHIELD_URLS, SHIELD_SHARED_SECRET, dev keys).
   * Checked with the edge's parser before anything starts (EdgeConfigError), and passed by file.
   */
  readonly edgeVars?: Record<string, string>;
  /** Every stdout line of a service, unbounded (egress NDJSON from the edge arrives here). */
  readonly onStdoutLine?: (service: Service, line: string) => void;
  /** wrangler dev `--log-level` (default warn). `log` lets the Worker's console.log (egress NDJSON) through. */
  readonly edgeLogLevel?: 'warn' | 'info' | 'log' | 'debug';
  /**
   * Simulated `request.cf` for the edge (e.g. `{ country: 'FR', regionCode: 'IDF' }`): written to a
   * cf.json that wrangler dev reads through CLOUDFLARE_CF_FETCH_PATH. Default: Miniflare's US placeholder.
   */
  readonly cf?: Record<string, unknown>;
  /**
   * Egress ledger files (issue 8): the edge's NDJSON records go to `<dir>/edge.ndjson` (not echoed)
   * and the shield writes `<dir>/shield.ndjson` (SHIELD_EGRESS_LOG), the RTC media server (with `rtc`)
   * `<dir>/rtc.ndjson` (RTC_EGRESS_LOG), all appended.
   * Then: `npm run egress -- report --from <dir>`.
   */
  readonly egressDir?: string;
}

type Service = 'packager' | 'shield' | 'rtc' | 'edge';

/** Options for Stack.sign: everything of SignUrlOptions except the clock. */
export type StackSignOptions = Partial<Omit<SignUrlOptions, 'now'>>;

export interface Stack {
  /** The dev packager, or the first upstream when fronting an operator's origin. */
  readonly packagerUrl: string;
  readonly shieldUrl: string;
  readonly edgeUrl: string;
  /** The RTC media server, when started (`rtc`). Viewers reach it through the edge's /whep and /whip. */
  readonly rtcUrl?: string;
  readonly processes: readonly ManagedProcess[];
  /** wrangler dev `--persist-to` (local D1/Queue state; removed by stop()). */
  readonly persistDir: string;
  /**
   * A signed edge URL for a path (or absolute URL) with the stack's dev keys (.dev-keys/).
   * Default: JWT, query form, 1 h, acl = the path's directory.
   * @example await fetch(await stack.sign('/vod/ts/master.m3u8', { in: 'path' }))
   */
  sign(pathOrUrl: string, options?: StackSignOptions): Promise<string>;
  /** Stops every service (whole process groups) and removes wrangler's temporary state. */
  stop(): Promise<void>;
}

const READY_TIMEOUT_MS = 90_000;

/**
 * Starts packager, shield and edge in order, each once the previous answers its health check.
 * Bad edge settings throw EdgeConfigError before any process starts. On any failure everything
 * already started is stopped before the error propagates.
 *
 * @example
 *   const stack = await startStack({ mediaDir: '.media' });
 *   await fetch(`${stack.edgeUrl}/vod/ts/master.m3u8`);
 *   await stack.stop();
 */
export async function startStack(options: StackOptions): Promise<Stack> {
  // freePort() releases the port before a service binds it: on a busy machine another socket (often an
  // outgoing connection's ephemeral port) can take it in between. Ports we picked are picked again.
  const picked =
    !options.packagerPort &&
    !options.shieldPort &&
    !options.edgePort &&
    !options.inspectorPort &&
    !options.rtcPort;
  for (let attempt = 1; ; attempt++) {
    try {
      return await startStackOnce(options);
    } catch (e) {
      const taken = /EADDRINUSE|Address already in use/.test(String(e instanceof Error ? e.message : e));
      if (!picked || !taken || attempt >= PORT_ATTEMPTS) throw e;
    }
  }
}

/** Starts with ports picked at random are retried this many times in all when one was taken meanwhile. */
const PORT_ATTEMPTS = 3;

async function startStackOnce(options: StackOptions): Promise<Stack> {
  if ((options.mediaDir === undefined) === (options.upstreams === undefined)) {
    throw new TypeError('startStack: expected exactly one of mediaDir and upstreams');
  }
  const packagerPort = options.packagerPort || (await freePort());
  const shieldPort = options.shieldPort || (await freePort());
  const edgePort = options.edgePort || (await freePort());
  // wrangler dev listens inside; clients reach it through the front process (edge-front.ts: no MF-*/CF-* spoofing).
  const workerPort = await freePort();
  const inspectorPort = options.inspectorPort || (await freePort());
  const rtcPort = options.rtc ? options.rtcPort || (await freePort()) : undefined;
  const rtcUrl = rtcPort === undefined ? undefined : `http://127.0.0.1:${rtcPort}`;
  const secret = options.sharedSecret ?? crypto.randomUUID();
  const echo = options.echo ?? false;
  const shieldUrl = `http://127.0.0.1:${shieldPort}`;
  const edgeUrl = `http://127.0.0.1:${edgePort}`;
  const vars = await stackEdgeVars({
    shieldUrl,
    secret,
    ...(rtcUrl ? { rtcUrl } : {}),
    ...(options.edgeVars ? { edgeVars: options.edgeVars } : {}),
  });
  // Dev keys (issue 3): the edge verifies with the public half, sign() uses the private half.
  const devKeys = await ensureDevKeys(join(REPO_ROOT, '.dev-keys'));
  const egressDir = options.egressDir === undefined ? undefined : resolve(options.egressDir);
  if (egressDir !== undefined) mkdirSync(egressDir, { recursive: true });
  const edgeLedger =
    egressDir === undefined ? undefined : createWriteStream(join(egressDir, 'edge.ndjson'), { flags: 'a' });
  const userLine = options.onStdoutLine;
  const onLine =
    edgeLedger || userLine
      ? (service: Service, line: string): boolean | undefined => {
          userLine?.(service, line);
          // Edge egress records go to the ledger file instead of the terminal.
          const at = service === 'edge' && edgeLedger ? line.indexOf('{"ts":') : -1;
          if (!edgeLedger || at < 0) return undefined;
          edgeLedger.write(`${line.slice(at)}\n`);
          return false;
        }
      : undefined;
  const lineHook = (service: Service) =>
    onLine ? { onStdoutLine: (line: string) => onLine(service, line) } : {};
  const persistDir = mkdtempSync(join(tmpdir(), 'edgeshield-wrangler-'));
  const started: ManagedProcess[] = [];
  const stop = async () => {
    // The media server first: on SIGTERM it pushes its last sessions' usage to the edge, still up.
    await Promise.all(started.filter((p) => p.name === 'rtc').map((p) => p.stop()));
    await Promise.all(started.map((p) => p.stop()));
    if (edgeLedger) await new Promise<void>((r) => edgeLedger.end(r));
    rmSync(persistDir, { recursive: true, force: true });
  };

  const upstreams = options.upstreams ?? [`http://127.0.0.1:${packagerPort}`];
  const packagerUrl = upstreams[0] ?? '';
  const spawnNode = (service: Exclude<Service, 'edge'>, script: string, env: Record<string, string>) =>
    spawnService(service, process.execPath, [script], { cwd: REPO_ROOT, echo, ...lineHook(service), env });
  try {
    if (options.mediaDir !== undefined) {
      const packager = spawnNode('packager', 'scripts/packager/main.ts', {
        PACKAGER_HOST: '127.0.0.1',
        PACKAGER_PORT: String(packagerPort),
        PACKAGER_ROOT: resolve(options.mediaDir),
        ...options.packagerEnv,
      });
      started.push(packager);
      const readyPath = options.packagerReadyPath ?? '/vod/ts/master.m3u8';
      await waitForHttp(`${packagerUrl}${readyPath}`, packager, READY_TIMEOUT_MS);
    }

    const shield = spawnNode('shield', 'origin/main.ts', {
      SHIELD_HOST: '127.0.0.1',
      SHIELD_PORT: String(shieldPort),
      SHIELD_UPSTREAMS: upstreams.join(','),
      SHIELD_SHARED_SECRET: secret,
      ...(egressDir ? { SHIELD_EGRESS_LOG: join(egressDir, 'shield.ndjson') } : {}),
      ...options.shieldEnv,
    });
    started.push(shield);
    await waitForHttp(`${shieldUrl}/healthz`, shield, READY_TIMEOUT_MS);

    if (rtcPort !== undefined) {
      const rtc = spawnNode('rtc', 'origin/rtc/main.ts', {
        RTC_HOST: '127.0.0.1',
        RTC_PORT: String(rtcPort),
        RTC_SHARED_SECRET: secret,
        // Session records also go to the edge's POST /rtc-usage → Queue → local D1 (GET /api/v1/usage).
        // The edge starts after this; a session ending before it is up is retried with backoff.
        RTC_USAGE_URL: edgeUrl,
        ...(egressDir ? { RTC_EGRESS_LOG: join(egressDir, 'rtc.ndjson') } : {}),
        ...options.rtcEnv,
      });
      started.push(rtc);
      await waitForHttp(`${rtcUrl}/healthz`, rtc, READY_TIMEOUT_MS);
    }

    await startEdgeProcess(
      {
        repoRoot: REPO_ROOT,
        port: workerPort,
        inspectorPort,
        persistDir,
        vars,
        // The Worker's egress records are console.log lines: let them through when capturing.
        logLevel: options.edgeLogLevel ?? (egressDir ? 'log' : 'warn'),
        ...(options.cf ? { cf: options.cf } : {}),
        spawn: { echo, ...lineHook('edge') },
        readyTimeoutMs: READY_TIMEOUT_MS,
      },
      (edge) => started.push(edge),
    );
    const front = spawnService(
      'edge-front',
      process.execPath,
      ['scripts/stack/edge-front-main.ts', String(edgePort), `http://127.0.0.1:${workerPort}`],
      { cwd: REPO_ROOT, echo },
    );
    started.push(front);
    await waitForHttp(`${edgeUrl}/healthz`, front, READY_TIMEOUT_MS);
  } catch (error) {
    await stop();
    throw error;
  }
  const sign = stackSigner(devKeys.signer, edgeUrl);
  return {
    packagerUrl,
    shieldUrl,
    edgeUrl,
    ...(rtcUrl ? { rtcUrl } : {}),
    processes: started,
    persistDir,
    sign,
    stop,
  };
}

/**
 * The Worker's bindings in the stack: its shield and secret (and RTC media server, if any), the dev
 * keys, then `edgeVars` over them,
 * checked with the edge's own parser against wrangler.toml [vars]. Throws EdgeConfigError listing every
 * issue, so a caller can check before doing anything slow.
 *
 * @example await stackEdgeVars({ shieldUrl: 'http://127.0.0.1:8081', secret, edgeVars: { GEO_RULES: 'x' } }) // throws
 */
export async function stackEdgeVars(options: {
  readonly shieldUrl: string;
  readonly secret: string;
  readonly rtcUrl?: string;
  readonly edgeVars?: Readonly<Record<string, string>>;
}): Promise<Record<string, string>> {
  const devKeys = await ensureDevKeys(join(REPO_ROOT, '.dev-keys'));
  const vars = {
    SHIELD_URLS: options.shieldUrl,
    SHIELD_SHARED_SECRET: options.secret,
    ...(options.rtcUrl ? { RTC_URLS: options.rtcUrl, RTC_SHARED_SECRET: options.secret } : {}),
    ...devKeys.edgeVars,
    ...options.edgeVars,
  };
  const issues = edgeConfigIssues(await readWranglerVars(join(REPO_ROOT, 'wrangler.toml')), vars);
  if (issues.length > 0) throw new EdgeConfigError(issues);
  return vars;
}

/**
 * Stack.sign for an edge at `edgeUrl` verifying `keys` (the dev keys): also used by the bench to sign
 * for a stack it did not start (`npm start`, which gives the edge the same .dev-keys/).
 *
 * @example const sign = stackSigner((await ensureDevKeys(dir)).signer, 'http://127.0.0.1:8787')
 */
export function stackSigner(keys: SignerKeys, edgeUrl: string): Stack['sign'] {
  return (pathOrUrl: string, signOptions: StackSignOptions = {}) =>
    signUrl(crypto.subtle, keys, /^https?:/.test(pathOrUrl) ? pathOrUrl : `${edgeUrl}${pathOrUrl}`, {
      ttlS: 3600,
      ...signOptions,
      now: Math.floor(Date.now() / 1000),
    });
}
