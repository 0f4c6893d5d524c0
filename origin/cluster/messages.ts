/**
 * The IPC vocabulary between the cluster primary (primary.ts) and its workers (worker-link.ts).
 *
 * Every message is a plain JSON object whose `t` starts with `es:` so it never collides with
 * node:cluster's or prom-client's own messages on the same channel. Must hold no logic beyond
 * recognising a message: both sides validate what they receive with `isMessage`.
 */
import type { MetricsJson } from '../metrics.ts';
import type { PurgeRequest } from '../routes/purge.ts';

/** What one worker's purge removed. */
export interface PurgeResult {
  readonly purged: number;
  readonly fills: number;
}

/** The primary's answer to a purge: the sum, and how many of the host's worker slots applied it. */
export interface PurgeAnswer extends PurgeResult {
  /** Workers that applied the purge and answered in time. */
  readonly applied: number;
  /** Worker slots of the host (SHIELD_WORKERS): fewer applied means the purge is incomplete. */
  readonly slots: number;
}

/** Worker → primary. */
export type WorkerMessage =
  /** Listening: the public URL and this worker's private peer listener. */
  | { readonly t: 'es:ready'; readonly slot: number; readonly url: string; readonly peerUrl: string }
  /** A `/purge` arrived here: apply it on every worker and answer the sum. */
  | { readonly t: 'es:purge'; readonly id: number; readonly request: PurgeRequest }
  /** A `/metrics` scrape arrived here: answer the aggregate of every worker. */
  | { readonly t: 'es:metrics'; readonly id: number }
  /** Whole NDJSON egress lines for the primary, the single writer of the egress sink. */
  | { readonly t: 'es:egress'; readonly lines: string }
  /** This worker's part of a gather (purge applied locally, or its metrics as JSON). */
  | { readonly t: 'es:part'; readonly id: number; readonly part: PurgeResult | MetricsJson };

/** Primary → worker. */
export type PrimaryMessage =
  /** Peer listener URL per slot (`null` while that slot has no live worker). */
  | { readonly t: 'es:peers'; readonly peers: readonly (string | null)[] }
  /** Apply a purge locally and answer with `es:part`. */
  | { readonly t: 'es:apply-purge'; readonly id: number; readonly request: PurgeRequest }
  /** Answer this worker's metrics as JSON with `es:part`. */
  | { readonly t: 'es:collect-metrics'; readonly id: number }
  /** Answer to an `es:purge` or `es:metrics` this worker asked. */
  | { readonly t: 'es:answer'; readonly id: number; readonly answer: PurgeAnswer | string }
  /** Drain and exit 0 (the host is shutting down). */
  | { readonly t: 'es:stop' };

/**
 * Whether `value` is one of our messages (anything else on the channel belongs to node:cluster).
 *
 * @example process.on('message', (m) => { if (isMessage<PrimaryMessage>(m)) … })
 */
export function isMessage<M extends { readonly t: string }>(value: unknown): value is M {
  return (
    typeof value === 'object' &&
    value !== null &&
    typeof (value as { t?: unknown }).t === 'string' &&
    (value as { t: string }).t.startsWith('es:')
  );
}
