/**
 * A cluster worker's side of the host (SHIELD_WORKERS > 1): what server.ts asks of its siblings.
 *
 * Purge and `/metrics` go to the primary, which fans them out to every worker and answers the sum
 * (purge) or prom-client's aggregate (metrics). Egress lines go to the primary too, batched, so one
 * process writes the sink and NDJSON lines from different workers can never interleave. Fills for
 * keys another worker owns go through the peer-routing upstream (peer-upstream.ts), whose peer
 * table the primary keeps current. Must not touch the cache itself: the local purge and metrics
 * come in through `attach`.
 */
import { Writable } from 'node:stream';
import { ShieldError } from '../errors.ts';
import type { Logger } from '../log.ts';
import type { MetricsJson } from '../metrics.ts';
import type { ContentRoute } from '../routes/content.ts';
import type { PurgeRequest } from '../routes/purge.ts';
import type { Upstream } from '../upstream/failover.ts';
import type { PurgeAnswer, PurgeResult } from './messages.ts';
import { isMessage, type PrimaryMessage, type WorkerMessage } from './messages.ts';
import { startPeerServer } from './peer-server.ts';
import { createPeerUpstream, type PeerUpstream } from './peer-upstream.ts';

/** The channel to the primary (`process` in a cluster worker; a fake in tests). */
export interface PrimaryChannel {
  send(message: WorkerMessage, callback?: (error: Error | null) => void): void;
  onMessage(listener: (message: unknown) => void): void;
}

/** What the worker itself offers its siblings, handed over once it listens. */
export interface LocalWorker {
  /** The public listener's URL. */
  readonly url: string;
  purge(request: PurgeRequest): PurgeResult;
  metricsJson(): Promise<MetricsJson>;
  /** The content route over the packagers (peer requests must not be routed again). */
  readonly content: ContentRoute;
  /** Counts one peer request. */
  readonly counted: () => void;
}

/** The worker's link to the host, passed to `startShield` as `deps.cluster`. */
export interface ClusterLink {
  readonly slot: number;
  readonly slots: number;
  /** Wraps the packager upstream so fills of keys other workers own go to their owner. */
  route(packagers: Upstream, timeoutMs: number): Upstream;
  /** Egress lines for the primary to write (ends on `close`). */
  readonly egressSink: Writable;
  /** Purges on every worker; the summed result. Throws SHIELD_ERR_PURGE_INCOMPLETE when a slot missed it. */
  purge(request: PurgeRequest): Promise<PurgeResult>;
  /** Prometheus text aggregated across every worker. */
  metrics(): Promise<string>;
  /** Starts the peer listener, answers the primary's fan-outs, and reports this worker ready. */
  attach(local: LocalWorker): Promise<void>;
  /** Closes the peer listener (its requests in flight finish; siblings then fill from the packagers). */
  closePeer(): Promise<void>;
  /** Flushes the egress lines to the primary and closes the peer listener. */
  close(): Promise<void>;
}

/** How long a purge or a scrape waits for the primary before failing with a 500. */
const ASK_TIMEOUT_MS = 10_000;

/**
 * Builds the link for worker `slot` of `slots`.
 *
 * @example const link = createWorkerLink(processChannel(), { slot: 0, slots: 4, secret, logger, now: Date.now });
 */
export function createWorkerLink(
  channel: PrimaryChannel,
  options: {
    readonly slot: number;
    readonly slots: number;
    readonly secret: string;
    readonly logger: Logger;
    readonly now: () => number;
  },
): ClusterLink {
  const { slot, slots, secret, logger, now } = options;
  let nextId = 0;
  const asked = new Map<number, (answer: PurgeAnswer | string) => void>();
  let local: LocalWorker | undefined;
  let routing: PeerUpstream | undefined;
  let peers: readonly (string | null)[] = [];
  let closePeer: (() => Promise<void>) | undefined;
  let peerClosed: Promise<void> | undefined;

  const ask = (message: WorkerMessage & { readonly id: number }): Promise<PurgeAnswer | string> =>
    new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        asked.delete(message.id);
        reject(new ShieldError('SHIELD_ERR_INTERNAL', `primary did not answer ${message.t}`));
      }, ASK_TIMEOUT_MS);
      asked.set(message.id, (answer) => {
        clearTimeout(timer);
        resolve(answer);
      });
      channel.send(message);
    });

  channel.onMessage((message) => {
    if (!isMessage<PrimaryMessage>(message)) return;
    switch (message.t) {
      case 'es:peers':
        peers = message.peers;
        routing?.setPeers(peers);
        return;
      case 'es:answer':
        asked.get(message.id)?.(message.answer);
        asked.delete(message.id);
        return;
      case 'es:apply-purge': {
        const part = local?.purge(message.request) ?? { purged: 0, fills: 0 };
        channel.send({ t: 'es:part', id: message.id, part });
        return;
      }
      case 'es:collect-metrics':
        void (local?.metricsJson() ?? Promise.resolve([])).then(
          (part) => channel.send({ t: 'es:part', id: message.id, part }),
          (e: unknown) => {
            logger.warn('metrics collection failed', { error: String(e) });
            channel.send({ t: 'es:part', id: message.id, part: [] });
          },
        );
        return;
      case 'es:stop':
        // main.ts listens for this too (it owns the process's lifetime).
        return;
    }
  });

  // Batches whatever the egress log wrote while the previous batch was on its way.
  const egressSink = new Writable({
    highWaterMark: 256 * 1024,
    writev(chunks, callback) {
      const lines = chunks.map((c) => String(c.chunk)).join('');
      channel.send({ t: 'es:egress', lines }, (e) => callback(e ?? undefined));
    },
  });

  const closePeerOnce = (): Promise<void> => {
    peerClosed ??= closePeer?.() ?? Promise.resolve();
    return peerClosed;
  };

  return {
    slot,
    slots,
    route(packagers, timeoutMs) {
      routing = createPeerUpstream(packagers, { slot, slots, secret, timeoutMs, logger });
      routing.setPeers(peers);
      return routing;
    },
    egressSink,
    async purge(request) {
      const answer = await ask({ t: 'es:purge', id: nextId++, request });
      if (typeof answer === 'string') throw new ShieldError('SHIELD_ERR_INTERNAL', 'bad purge answer');
      // A slot that missed it (dead, starting, no answer) may still serve the old object: the caller retries.
      if (answer.applied < answer.slots)
        throw new ShieldError(
          'SHIELD_ERR_PURGE_INCOMPLETE',
          `purge applied by ${answer.applied} of ${answer.slots} workers (${answer.purged} objects removed); retry`,
        );
      return { purged: answer.purged, fills: answer.fills };
    },
    async metrics() {
      const answer = await ask({ t: 'es:metrics', id: nextId++ });
      if (typeof answer !== 'string') throw new ShieldError('SHIELD_ERR_INTERNAL', 'bad metrics answer');
      return answer;
    },
    async attach(worker) {
      local = worker;
      const peer = await startPeerServer({
        secret,
        content: worker.content,
        now,
        logger,
        counted: worker.counted,
      });
      closePeer = peer.close;
      channel.send({ t: 'es:ready', slot, url: worker.url, peerUrl: peer.url });
    },
    closePeer: closePeerOnce,
    async close() {
      await new Promise<void>((resolve) => egressSink.end(resolve));
      await closePeerOnce();
    },
  };
}

/**
 * The real channel of a cluster worker: `process.send` / `process.on('message')`.
 *
 * @example createWorkerLink(processChannel(), options)
 */
export function processChannel(): PrimaryChannel {
  return {
    send(message, callback) {
      if (process.send === undefined || !process.connected) {
        callback?.(new Error('IPC channel closed'));
        return;
      }
      process.send(message, undefined, undefined, (e: Error | null) => callback?.(e));
    },
    onMessage(listener) {
      process.on('message', listener);
    },
  };
}
