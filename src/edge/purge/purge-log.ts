/**
 * The edge's purge log: every purge recorded in a Workers KV namespace (binding PURGE_LOG), which
 * every isolate in every data center reads, so a purge reaches isolates and colos the purge request
 * never touched. Each isolate keeps the last list it read and reads again at most once per
 * `pollMs`: the per-request cost is one in-memory scan of at most MAX_ENTRIES entries, plus one KV
 * list per interval. Staleness: up to `pollMs` in other isolates, plus KV's own propagation (up to
 * about 60 s across data centers). Must not hold viewer data; must not throw into a viewer request
 * (a failed read keeps the previous list and logs).
 */
import type { PurgeEntry } from '../../core/cache/purge.ts';

/** The part of a KV namespace the log uses (structural, so tests and types need no platform import). */
export interface PurgeStore {
  put(key: string, value: string, options: { expirationTtl: number; metadata: PurgeMetadata }): Promise<void>;
  list(options: { prefix: string; limit: number }): Promise<{
    keys: { name: string; metadata?: unknown }[];
    list_complete: boolean;
  }>;
}

interface PurgeMetadata {
  readonly at: number;
}

/** Entries the log holds (one KV list page): a bounded scan per request, and one read per interval. */
export const MAX_ENTRIES = 1000;
const KEY_PREFIX = 'purge:';
/** KV refuses an expirationTtl under 60 s. */
const MIN_TTL_S = 60;

export interface PurgeLog {
  /** The entries as this isolate last read them; reads KV again when the copy is older than pollMs. */
  entries(): Promise<readonly PurgeEntry[]>;
  /**
   * Records purges at `at`. Throws `PurgeLogFullError` when new targets would exceed
   * MAX_ENTRIES (re-purging a recorded target only moves its time).
   */
  record(targets: readonly Omit<PurgeEntry, 'at'>[], at: number): Promise<void>;
}

/** The log is full: purge a common prefix instead of many single targets. */
export class PurgeLogFullError extends Error {
  readonly held: number;
  constructor(held: number) {
    super(`purge log holds ${held} entries (max ${MAX_ENTRIES})`);
    this.name = 'PurgeLogFullError';
    this.held = held;
  }
}

export interface PurgeLogOptions {
  readonly store: PurgeStore;
  readonly now: () => number;
  /** How stale this isolate's copy may be before a request reads KV again. */
  readonly pollMs: number;
  /** How long an entry must outlive its purge: the longest any object may be served from cache. */
  readonly retentionMs: number;
}

const keyOf = (e: Omit<PurgeEntry, 'at'>) => `${KEY_PREFIX}${e.kind}:${e.target}`;

function entryOf(name: string, metadata: unknown): PurgeEntry | undefined {
  const rest = name.slice(KEY_PREFIX.length);
  const colon = rest.indexOf(':');
  const kind = rest.slice(0, colon);
  const at = (metadata as Partial<PurgeMetadata> | undefined)?.at;
  if ((kind !== 'url' && kind !== 'prefix') || typeof at !== 'number') return undefined;
  return { kind, target: rest.slice(colon + 1), at };
}

/** @example const log = createPurgeLog({ store: env.PURGE_LOG, now: Date.now, pollMs: 5000, retentionMs }) */
export function createPurgeLog(options: PurgeLogOptions): PurgeLog {
  const { store, now } = options;
  // Per-isolate copy: shared by every request this isolate serves.
  let copy: { readonly entries: readonly PurgeEntry[]; readonly readAt: number } | undefined;
  let reading: Promise<readonly PurgeEntry[]> | undefined;
  let truncatedLogged = false;

  async function read(): Promise<readonly PurgeEntry[]> {
    const page = await store.list({ prefix: KEY_PREFIX, limit: MAX_ENTRIES });
    if (!page.list_complete && !truncatedLogged) {
      truncatedLogged = true;
      console.warn(JSON.stringify({ level: 'warn', event: 'purge-log-truncated', max: MAX_ENTRIES }));
    }
    const entries: PurgeEntry[] = [];
    for (const key of page.keys) {
      const entry = entryOf(key.name, key.metadata);
      if (entry !== undefined) entries.push(entry);
    }
    copy = { entries, readAt: now() };
    return entries;
  }

  return {
    async entries() {
      if (copy !== undefined && now() - copy.readAt < options.pollMs) return copy.entries;
      // One read in flight per isolate, however many requests wait for it.
      reading ??= read()
        .catch((error: unknown) => {
          console.warn(
            JSON.stringify({
              level: 'warn',
              event: 'purge-log-unreadable',
              message: error instanceof Error ? error.message : String(error),
            }),
          );
          return copy?.entries ?? [];
        })
        .finally(() => {
          reading = undefined;
        });
      return reading;
    },
    async record(targets, at) {
      const held = await read();
      const known = new Set(held.map(keyOf));
      const added = targets.filter((t) => !known.has(keyOf(t))).length;
      if (held.length + added > MAX_ENTRIES) throw new PurgeLogFullError(held.length);
      const expirationTtl = Math.max(MIN_TTL_S, Math.ceil(options.retentionMs / 1000));
      await Promise.all(targets.map((t) => store.put(keyOf(t), '', { expirationTtl, metadata: { at } })));
      // This isolate sees its own purge at once; others within pollMs (+ KV propagation).
      const mine = targets.map((t) => ({ ...t, at }));
      const replaced = new Set(mine.map(keyOf));
      copy = { entries: [...held.filter((e) => !replaced.has(keyOf(e))), ...mine], readAt: now() };
    },
  };
}
