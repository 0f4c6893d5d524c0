/**
 * Runs the real edge Worker (src/edge/index.ts, bundled with esbuild) in workerd through Miniflare,
 * with the real `caches.default`. Test helper: no assertions here.
 *
 * Miniflare 5 takes `{ workers: [{ config: { name, compatibilityDate, manifest, env } }] }`; the
 * v4 flat options (`scriptPath`, `bindings`) are only accepted through `convertV4MiniflareOptions`.
 */
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { build } from 'esbuild';
import { Miniflare, type RequestInit, type Response, type WorkerdStructuredLog } from 'miniflare';
import { afterAll, beforeAll } from 'vitest';
import { freePort } from '../../scripts/stack/ports.ts';
import type { EdgeEnv } from '../../src/edge/config.ts';
import { type CountingUpstream, startCountingUpstream } from '../fixtures/counting-upstream.ts';

/** Same date as wrangler.toml and vitest.config.ts. */
export const COMPATIBILITY_DATE = '2026-10-01';
/** Host the tests address the edge by; it is part of every cache key. */
export const EDGE = 'http://edge.test';

let bundled: Promise<string> | undefined;

/** Bundles the Worker once per test file (esbuild, the same tool wrangler uses). */
export function bundleEdgeWorker(): Promise<string> {
  bundled ??= (async () => {
    const dir = await mkdtemp(join(tmpdir(), 'edgeshield-edge-'));
    try {
      const outfile = join(dir, 'index.js');
      await build({
        entryPoints: [new URL('../../src/edge/index.ts', import.meta.url).pathname],
        bundle: true,
        format: 'esm',
        platform: 'browser',
        conditions: ['workerd', 'worker', 'browser'],
        target: 'es2023',
        outfile,
        // As wrangler's default module rules do: D1 migrations (*.sql) import as text.
        loader: { '.sql': 'text' },
        logLevel: 'silent',
      });
      return await readFile(outfile, 'utf8');
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  })();
  return bundled;
}

export interface EdgeWorker {
  readonly mf: Miniflare;
  /**
   * Structured log lines the Worker wrote (console.*), as they arrived: workerd's stdout and stderr are
   * read separately, so there is no order across levels, and a line may land after the response it
   * belongs to (poll for it).
   */
  readonly logs: WorkerdStructuredLog[];
  fetch(path: string, init?: RequestInit): Promise<Response>;
  dispose(): Promise<void>;
}

/**
 * Non-text bindings and triggers in Miniflare 5's shape, e.g. `{ EGRESS_QUEUE: { type: 'queue', name:
 * 'q' }, LEDGER: { type: 'd1', id: 'ledger' } }` and `[{ type: 'queue', name: 'q', maxBatchSize: 10 }]`.
 */
export interface EdgeWorkerExtras {
  readonly bindings?: Record<string, { readonly type: string } & Record<string, unknown>>;
  readonly triggers?: readonly ({ readonly type: string } & Record<string, unknown>)[];
}

/** Starts a fresh workerd with its own empty cache; `env` is what wrangler.toml [vars] would give. */
export async function startEdgeWorker(env: EdgeEnv, extras: EdgeWorkerExtras = {}): Promise<EdgeWorker> {
  const script = await bundleEdgeWorker();
  const logs: WorkerdStructuredLog[] = [];
  const bindings: Record<string, { type: 'text'; value: string }> = {};
  for (const [name, value] of Object.entries(env)) {
    if (typeof value === 'string') bindings[name] = { type: 'text', value };
  }
  const mf = new Miniflare({
    handleStructuredLogs: (log) => logs.push(log),
    workers: [
      {
        config: {
          name: 'edgeshield-edge',
          compatibilityDate: COMPATIBILITY_DATE,
          manifest: { mainModule: 'index.js', modules: { 'index.js': { type: 'esm', contents: script } } },
          env: { ...bindings, ...extras.bindings } as typeof bindings,
          ...(extras.triggers ? { triggers: extras.triggers as never } : {}),
        },
      },
    ],
  });
  await mf.ready;
  return {
    mf,
    logs,
    fetch: (path, init) => mf.dispatchFetch(`${EDGE}${path}`, init),
    dispose: () => mf.dispose(),
  };
}

/**
 * The Worker's log messages once `ready` holds for them, polled for up to `timeoutMs`; after that, the
 * messages as they are, so the caller's assertion reports what was missing. A line reaches this
 * process through workerd's pipes and may land after the response it belongs to on a loaded box.
 *
 * @example const lines = await logsWhen(edge, (ls) => ls.some((m) => m.includes('"reason":"expired"')));
 */
export async function logsWhen(
  edge: { readonly logs: readonly WorkerdStructuredLog[] },
  ready: (messages: readonly string[]) => boolean,
  timeoutMs = 15_000,
): Promise<string[]> {
  const deadline = Date.now() + timeoutMs;
  const messages = () => edge.logs.map((l) => l.message);
  while (!ready(messages()) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
  return messages();
}

/** {@link logsWhen} for one substring: every message, once some message contains `needle`. */
export const logsWith = (edge: { readonly logs: readonly WorkerdStructuredLog[] }, needle: string) =>
  logsWhen(edge, (messages) => messages.some((m) => m.includes(needle)));

/** Accessors for what {@link useEdgeWithShield} started; each throws if read before `beforeAll` ran. */
export interface EdgeWithShield {
  shield(): CountingUpstream;
  edge(): EdgeWorker;
}

/**
 * Registers `beforeAll`/`afterAll` in the current suite: a counting fake shield, then a fresh Worker
 * whose `SHIELD_URLS` is that shield and whose other vars are `env`; both are closed afterwards.
 *
 * @example
 *   const { shield, edge } = useEdgeWithShield({ AUTH_MODE: 'off' });
 *   it('…', async () => { shield().route('/a.ts', { body: 'x' }); await edge().fetch('/a.ts'); });
 */
export function useEdgeWithShield(env: Omit<EdgeEnv, 'SHIELD_URLS'>): EdgeWithShield {
  let shield: CountingUpstream | undefined;
  let edge: EdgeWorker | undefined;
  beforeAll(async () => {
    shield = await startCountingUpstream();
    edge = await startEdgeWorker({ ...env, SHIELD_URLS: shield.url });
  });
  afterAll(async () => {
    await edge?.dispose();
    await shield?.close();
  });
  const started = <T>(value: T | undefined): T => {
    if (value === undefined) throw new Error('useEdgeWithShield: read before its beforeAll ran');
    return value;
  };
  return { shield: () => started(shield), edge: () => started(edge) };
}

/**
 * Waits until the Worker's `waitUntil` cache fill for `path` has landed, so the next request's
 * HIT/MISS does not depend on a race with the background put. The bound is generous on purpose: it
 * only matters when the put never lands, and a loaded 2-core CI box has taken half a second for one.
 */
export async function waitUntilCached(edge: EdgeWorker, path: string, timeoutMs = 15_000): Promise<void> {
  const caches = await edge.mf.getCaches();
  const url = `https://edge.test${path}`;
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const hit = await caches.default.match(url);
    if (hit) {
      await hit.arrayBuffer();
      return;
    }
    if (Date.now() > deadline) throw new Error(`${url} never reached the edge cache`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/**
 * A 127.0.0.1 port with nothing listening. From freePort(), below the kernel's ephemeral range: a port
 * released after listen(0) may be handed to the next listen(0) of a test file running beside this one
 * (Miniflare's own sockets included), and the "refused" shield would then answer.
 */
export function closedPort(): Promise<number> {
  return freePort();
}
