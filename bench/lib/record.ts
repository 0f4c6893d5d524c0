/**
 * One measured request as the runner records it, and how its response headers say which tier
 * served it. Pure. Header names follow the edge/shield contract: `x-cache` (the answering tier),
 * `x-cache-shield` (the shield's status, copied by the edge), `Server-Timing` edge/shield/origin.
 */

/** Which tier produced the bytes the viewer got. */
export type ServedBy = 'edge' | 'shield' | 'origin' | 'unknown';

export interface RequestRecord {
  /** ms since the test started, when the request was sent. */
  readonly t: number;
  /** Time to first byte (response headers) and to last byte, ms. */
  readonly ttfb: number;
  readonly ttlb: number;
  /** HTTP status; 0 when no response (connection error, timeout). */
  readonly status: number;
  /** Body bytes received. */
  readonly bytes: number;
  /** The service the viewer talked to: `edge` for the stack, `nginx`/`node`/`packager` for baselines. */
  readonly target: string;
  readonly kind: string;
  /** Cache identity: path plus content query (no token, no CMCD). */
  readonly object: string;
  readonly country: string;
  readonly scenario: string;
  readonly cache?: string;
  readonly shieldCache?: string;
  /** Server-Timing `shield;dur` / `origin;dur`: present only when that tier worked on this request. */
  readonly shieldMs?: number;
  readonly originMs?: number;
  /** Error code from a JSON error body, or a transport error code (UND_ERR_*, ABORT). */
  readonly errorCode?: string;
}

/** `Server-Timing: shield;dur=3, origin;dur=10, edge;dur=15` → { shield: 3, origin: 10, edge: 15 }. */
export function parseServerTiming(value: string | null | undefined): Record<string, number> {
  const out: Record<string, number> = {};
  if (!value) return out;
  for (const entry of value.split(',')) {
    const [name, ...params] = entry.split(';').map((s) => s.trim());
    if (!name) continue;
    const dur = params.find((p) => p.toLowerCase().startsWith('dur='));
    out[name] = dur === undefined ? 0 : Number(dur.slice(4)) || 0;
  }
  return out;
}

const HITS = new Set(['HIT', 'STALE', 'COALESCED']);

/** Whether a tier's x-cache value means it answered without going upstream. */
export function isHit(status: string | undefined): boolean {
  return status !== undefined && HITS.has(status.toUpperCase());
}

/**
 * Whether the request reached the shield: the edge copied the shield's `x-cache` into `x-cache-shield`
 * or passed on its `shield;dur` timing. An edge hit, an auth refusal (401/403) or any other answer
 * the edge made itself carries neither, so it never counts as a shield request.
 *
 * @example reachedShield({ cache: 'BYPASS' }) // false (e.g. a 401 from the edge)
 */
export function reachedShield(r: Pick<RequestRecord, 'shieldCache' | 'shieldMs'>): boolean {
  return r.shieldCache !== undefined || r.shieldMs !== undefined;
}

/** Shield statuses that mean the shield went upstream for this very request. */
const SHIELD_WENT_UPSTREAM = new Set(['MISS', 'BYPASS']);

/**
 * Whether the request itself reached the origin: the shield's status says it fetched upstream (MISS,
 * BYPASS); HIT, STALE and COALESCED did not (a joiner is told the `origin;dur` of the fill it joined,
 * so the timing alone cannot decide). Without a shield status, `origin;dur` decides.
 *
 * @example reachedOrigin({ shieldCache: 'MISS' }) // true
 */
export function reachedOrigin(r: Pick<RequestRecord, 'shieldCache' | 'originMs'>): boolean {
  if (r.shieldCache !== undefined) return SHIELD_WENT_UPSTREAM.has(r.shieldCache.toUpperCase());
  return r.originMs !== undefined;
}

/**
 * The tier whose cache (or origin) produced the response. With no cache headers at all (a bare
 * origin), everything is `origin`; a response with headers we cannot read is `unknown`. An edge
 * answer that never went upstream (a 401, a 404 for an unknown route) is the edge's own.
 *
 * @example servedBy({ cache: 'MISS', shieldCache: 'HIT' }) // 'shield'
 */
export function servedBy(
  record: Pick<RequestRecord, 'cache' | 'shieldCache' | 'shieldMs' | 'originMs' | 'target'>,
): ServedBy {
  if (record.target !== 'edge') return isHit(record.cache) ? 'edge' : 'origin';
  if (record.cache === undefined) return 'unknown';
  if (isHit(record.cache) || !reachedShield(record)) return 'edge';
  if (reachedOrigin(record)) return 'origin';
  return 'shield';
}
