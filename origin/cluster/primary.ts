/**
 * The cluster primary (SHIELD_WORKERS > 1): supervises one worker per slot, all serving the same
 * public listener through node:cluster, and is the host's single point for what must see every
 * worker: purge fan-out, `/metrics` aggregation (prom-client `AggregatorRegistry.aggregate`) and the
 * egress sink (the only writer, so lines never interleave). A worker that dies is replaced in its
 * slot, so it owns the same keys (peer-upstream.ts). Must not serve requests itself and must not
 * read `process.env` (main.ts passes the config in).
 */
import cluster, { type Worker } from 'node:cluster';
import { randomBytes } from 'node:crypto';
import { AggregatorRegistry, Counter, Gauge, Registry } from 'prom-client';
import type { ShieldConfig } from '../config.ts';
import type { Logger } from '../log.ts';
import type { MetricsJson } from '../metrics.ts';
import type { PurgeRequest } from '../routes/purge.ts';
import { openEgressWriter } from './egress-writer.ts';
import {
  isMessage,
  type PrimaryMessage,
  type PurgeAnswer,
  type PurgeResult,
  type WorkerMessage,
} from './messages.ts';
import { WORKER_ENV } from './worker-config.ts';

/** A running host. */
export interface RunningPrimary {
  /** Public URL, once every worker listens. */
  readonly url: string;
  /** Asks every worker to drain, waits for them (bounded) and closes the egress sink; true if all exited 0. */
  stop(): Promise<boolean>;
}

interface Slot {
  worker: Worker | undefined;
  /** Set once the worker reported ready (and caught up on `missed`); null while down or starting. */
  peerUrl: string | null;
  startedAt: number;
  /** Purges this slot did not apply (down, starting, or no answer in time): its disk files survive, so its next worker applies them before it counts as ready. */
  missed: PurgeRequest[];
}

/** How long a fan-out waits for a worker that may have just died. */
const GATHER_TIMEOUT_MS = 2_000;
/** Past this many missed purges a slot's list folds into one purge of everything (bounded memory). */
const MISSED_MAX = 1_000;
const PURGE_ALL: PurgeRequest = Object.freeze({ keys: [], prefixes: ['/'] });
/** A worker that dies sooner than this after it started is replaced only after this delay. */
const CRASH_LOOP_MS = 1_000;

/**
 * Forks `config.workers` workers and resolves once all of them listen; rejects if one fails to start.
 *
 * @example const host = await startPrimary(config, logger); … await host.stop();
 */
export async function startPrimary(
  config: ShieldConfig,
  logger: Logger,
  hooks: {
    /** Receives the function that passes a TLS reload (SIGHUP) on to every ready worker. */
    readonly onReload?: (forward: () => void) => void;
    readonly now?: () => number;
  } = {},
): Promise<RunningPrimary> {
  const now = hooks.now ?? Date.now;
  const secret = randomBytes(32).toString('base64url');
  const slots: Slot[] = Array.from({ length: config.workers }, () => ({
    worker: undefined,
    peerUrl: null,
    startedAt: 0,
    missed: [],
  }));
  const egress = config.egressLog === undefined ? undefined : openEgressWriter(config.egressLog, logger);
  const registry = new Registry();
  const restarts = new Counter({
    name: 'shield_worker_restarts_total',
    help: 'Workers replaced after they died.',
    registers: [registry],
  });
  new Gauge({
    name: 'shield_workers',
    help: 'Live workers serving the listener (SHIELD_WORKERS).',
    registers: [registry],
    collect() {
      this.set(slots.filter((s) => s.peerUrl !== null).length);
    },
  });
  let stopping = false;
  let started = false;
  let url = '';
  /** The port every worker binds, known once slot 0 listens (it picks one when SHIELD_PORT is 0). */
  let port: number | undefined;
  let nextId = 0;
  const gathers = new Map<number, (worker: Worker, part: PurgeResult | MetricsJson) => void>();

  const send = (worker: Worker | undefined, message: PrimaryMessage): void => {
    if (worker?.isConnected()) worker.send(message);
  };
  const broadcastPeers = (): void => {
    const peers = slots.map((s) => s.peerUrl);
    for (const s of slots) send(s.worker, { t: 'es:peers', peers });
  };
  /** Sends a request to each of `targets` and collects the parts of those that answer in time. */
  const gather = <P>(
    targets: readonly Worker[],
    message: (id: number) => PrimaryMessage,
  ): Promise<Map<Worker, P>> => {
    const id = nextId++;
    const live = targets.filter((w) => w.isConnected());
    return new Promise((resolve) => {
      const parts = new Map<Worker, P>();
      const waiting = new Set(live);
      const finish = () => {
        clearTimeout(timer);
        gathers.delete(id);
        resolve(parts);
      };
      const timer = setTimeout(finish, GATHER_TIMEOUT_MS);
      gathers.set(id, (worker, part) => {
        if (!waiting.delete(worker)) return;
        parts.set(worker, part as P);
        if (waiting.size === 0) finish();
      });
      if (live.length === 0) finish();
      for (const w of live) w.send(message(id));
    });
  };
  const readyWorkers = (): Worker[] =>
    slots.flatMap((s) => (s.peerUrl !== null && s.worker !== undefined ? [s.worker] : []));
  const remember = (slot: Slot, request: PurgeRequest): void => {
    slot.missed.push(request);
    if (slot.missed.length > MISSED_MAX) slot.missed = [PURGE_ALL];
  };
  /** Applies `request` on every ready worker; the slots that did not apply it remember it. */
  const purgeAll = async (request: PurgeRequest): Promise<PurgeAnswer> => {
    const parts = await gather<PurgeResult>(readyWorkers(), (id) => ({ t: 'es:apply-purge', id, request }));
    let purged = 0;
    let fills = 0;
    for (const slot of slots) {
      const part = slot.worker === undefined ? undefined : parts.get(slot.worker);
      if (part === undefined) {
        remember(slot, request);
        continue;
      }
      purged += part.purged;
      fills += part.fills;
    }
    return { purged, fills, applied: parts.size, slots: slots.length };
  };
  /** A (replacement) worker applies the purges its slot missed before it counts as ready. */
  const catchUp = async (slot: Slot, worker: Worker): Promise<void> => {
    while (slot.missed.length > 0 && slot.worker === worker) {
      const pending = slot.missed;
      slot.missed = [];
      for (const request of pending) {
        const parts = await gather<PurgeResult>([worker], (id) => ({ t: 'es:apply-purge', id, request }));
        if (!parts.has(worker)) remember(slot, request);
      }
      if (!worker.isConnected()) return;
    }
  };

  let resolveStarted: (url: string) => void = () => {};
  let rejectStarted: (e: Error) => void = () => {};
  const startedPromise = new Promise<string>((resolve, reject) => {
    resolveStarted = resolve;
    rejectStarted = reject;
  });

  const onMessage = async (worker: Worker, message: WorkerMessage): Promise<void> => {
    switch (message.t) {
      case 'es:ready': {
        const slot = slots[message.slot];
        if (slot === undefined || slot.worker !== worker) return;
        await catchUp(slot, worker);
        if (slot.worker !== worker || !worker.isConnected()) return;
        slot.peerUrl = message.peerUrl;
        logger.info('worker listening', {
          slot: message.slot,
          pid: worker.process.pid,
          peerUrl: message.peerUrl,
        });
        if (port === undefined) {
          url = message.url;
          port = Number(new URL(url).port);
          for (let i = 1; i < slots.length; i++) fork(i);
        }
        broadcastPeers();
        if (!started && slots.every((s) => s.peerUrl !== null)) {
          started = true;
          resolveStarted(url);
        }
        return;
      }
      case 'es:egress':
        egress?.write(message.lines);
        return;
      case 'es:part':
        gathers.get(message.id)?.(worker, message.part);
        return;
      case 'es:purge': {
        const answer = await purgeAll(message.request);
        if (answer.applied < answer.slots)
          logger.warn('purge incomplete', { applied: answer.applied, slots: answer.slots });
        send(worker, { t: 'es:answer', id: message.id, answer });
        return;
      }
      case 'es:metrics': {
        const parts = await gather<MetricsJson>(
          slots.flatMap((s) => (s.worker === undefined ? [] : [s.worker])),
          (id) => ({ t: 'es:collect-metrics', id }),
        );
        const text = await AggregatorRegistry.aggregate([
          ...parts.values(),
          await registry.getMetricsAsJSON(),
        ]).metrics();
        send(worker, { t: 'es:answer', id: message.id, answer: text });
        return;
      }
    }
  };

  const fork = (index: number): void => {
    const slot = slots[index];
    if (slot === undefined) return;
    const worker = cluster.fork({
      [WORKER_ENV.slot]: String(index),
      [WORKER_ENV.secret]: secret,
      ...(port === undefined ? {} : { [WORKER_ENV.port]: String(port) }),
    });
    slot.worker = worker;
    slot.peerUrl = null;
    slot.startedAt = now();
    worker.on('message', (message: unknown) => {
      if (isMessage<WorkerMessage>(message)) {
        onMessage(worker, message).catch((e: unknown) =>
          logger.error('cluster message failed', { error: String(e) }),
        );
      }
    });
    // A send racing the worker's death fails with EPIPE here; the exit handler does the rest.
    worker.on('error', (e) => logger.warn('worker channel error', { slot: index, error: String(e) }));
    worker.on('exit', (code, signal) => {
      if (slot.worker !== worker) return;
      slot.worker = undefined;
      slot.peerUrl = null;
      broadcastPeers();
      if (stopping) return;
      if (!started) {
        rejectStarted(new Error(`worker ${index} exited before listening (code ${code}, signal ${signal})`));
        return;
      }
      const delay = now() - slot.startedAt < CRASH_LOOP_MS ? CRASH_LOOP_MS : 0;
      logger.error('worker exited, replacing it', { slot: index, code, signal, delayMs: delay });
      restarts.inc();
      setTimeout(() => {
        if (!stopping) fork(index);
      }, delay);
    });
  };

  // Only to ready workers: a starting one reads the current certificates anyway, and main.ts's
  // SIGHUP no-op may not be installed in it yet.
  hooks.onReload?.(() => {
    for (const s of slots) if (s.peerUrl !== null) s.worker?.process.kill('SIGHUP');
  });

  // Slot 0 first: it binds the port (SO_REUSEPORT), the others join it once it is known.
  fork(0);

  const stop = async (): Promise<boolean> => {
    stopping = true;
    const exits = slots.flatMap((s) => {
      const w = s.worker;
      if (w === undefined) return [];
      return [
        new Promise<boolean>((resolve) => {
          if (w.process.exitCode !== null || w.process.signalCode !== null) {
            resolve(w.process.exitCode === 0);
            return;
          }
          // Beyond the drain grace a worker is cut: the host must exit.
          const timer = setTimeout(() => w.process.kill('SIGKILL'), config.shutdownGraceMs + 5_000);
          w.once('exit', (code) => {
            clearTimeout(timer);
            resolve(code === 0);
          });
          send(w, { t: 'es:stop' });
        }),
      ];
    });
    const clean = (await Promise.all(exits)).every(Boolean);
    await egress?.close();
    return clean;
  };

  try {
    await startedPromise;
  } catch (e) {
    await stop();
    throw e;
  }
  return { url, stop };
}
