/**
 * Key affinity between the workers of one host: the `Upstream` a cluster worker's fills use.
 *
 * Every cache key has one owner slot, picked by rendezvous hash over the worker slots (the same
 * helper the edge uses to pick a shield). A fill for a key this worker owns goes to the packagers; a
 * fill for a key another worker owns goes to that worker's private peer listener, where it joins the
 * owner's own single-flight fill, so the host asks the packager once per object however many workers
 * miss at the same moment. The peer hop carries the request headers the shield builds for packagers
 * (never a viewer's token) plus the host's random peer secret. When the owner cannot be reached
 * (its slot is being replaced) the fill goes to the packagers itself rather than fail. Must not
 * retry a peer that answered (the owner already failed over across packagers) and must not
 * report a peer's bytes as packager bytes (`peerCache` marks them).
 */

import { rendezvousOwner } from '../../src/core/cache/rendezvous.ts';
import { ShieldError, type ShieldErrorCode, upstreamFailure } from '../errors.ts';
import type { Logger } from '../log.ts';
import type { Upstream } from '../upstream/failover.ts';
import { flattenHeaders } from '../upstream/pool.ts';
import { Pool } from '../upstream/undici-pool.ts';

/** Header carrying the host's per-start random secret on the peer hop. */
export const PEER_AUTH_HEADER = 'x-edgeshield-peer';

/** Settings for the routing upstream. */
export interface PeerRouting {
  /** This worker's slot, 0 ≤ slot < slots. */
  readonly slot: number;
  readonly slots: number;
  readonly secret: string;
  /** Headers and between-chunk deadline on the peer hop (the owner may itself wait on packagers). */
  readonly timeoutMs: number;
  readonly logger: Logger;
}

/** The routing upstream plus the table the primary keeps current. */
export interface PeerUpstream extends Upstream {
  /** Peer listener URL per slot; `null` while the slot has no live worker. */
  setPeers(peers: readonly (string | null)[]): void;
}

/**
 * The slot that owns `key` among `slots` workers.
 *
 * @example ownerSlot('/vod/a.ts', 4) // the same 0-3 in every worker and across restarts
 */
export function ownerSlot(key: string, slots: number): number {
  return Number((rendezvousOwner(key, slotNames(slots)) ?? 'w0').slice(1));
}

const names = new Map<number, readonly string[]>();
function slotNames(slots: number): readonly string[] {
  let list = names.get(slots);
  if (list === undefined) {
    list = Array.from({ length: slots }, (_, i) => `w${i}`);
    names.set(slots, list);
  }
  return list;
}

/** Connection failures that mean "the owner is not there", not "the owner failed this request". */
const NOT_THERE: ReadonlySet<string> = new Set(['ECONNREFUSED', 'ECONNRESET', 'UND_ERR_SOCKET', 'EPIPE']);

/**
 * Wraps the packager upstream with peer routing.
 *
 * @example const upstream = createPeerUpstream(packagers, { slot: 0, slots: 2, secret, timeoutMs: 10_000, logger });
 */
export function createPeerUpstream(packagers: Upstream, routing: PeerRouting): PeerUpstream {
  const { slot, slots, secret, timeoutMs, logger } = routing;
  let peers: readonly (string | null)[] = [];
  const pools = new Map<string, Pool>();
  const poolFor = (url: string): Pool => {
    let pool = pools.get(url);
    if (pool === undefined) {
      pool = new Pool(url, { connections: 64, headersTimeout: timeoutMs, bodyTimeout: timeoutMs });
      pools.set(url, pool);
    }
    return pool;
  };

  return {
    setPeers(next) {
      peers = next;
      // A replaced worker listens on a new port: drop pools nobody points at any more.
      for (const [url, pool] of pools) {
        if (!next.includes(url)) {
          pools.delete(url);
          void pool.close();
        }
      }
    },
    async fetch(pathAndQuery, headers) {
      const owner = ownerSlot(pathAndQuery, slots);
      const url = owner === slot ? undefined : peers[owner];
      if (url === undefined || url === null) return packagers.fetch(pathAndQuery, headers);
      let res: Awaited<ReturnType<Pool['request']>>;
      try {
        res = await poolFor(url).request({
          method: 'GET',
          path: pathAndQuery,
          headers: { ...headers, [PEER_AUTH_HEADER]: secret },
        });
      } catch (e) {
        const code = (e as { code?: unknown }).code;
        if (typeof code === 'string' && NOT_THERE.has(code)) {
          logger.warn('peer unreachable, asking the packager', { owner, path: pathAndQuery, code });
          return packagers.fetch(pathAndQuery, headers);
        }
        throw upstreamFailure(e);
      }
      const flat = flattenHeaders(res.headers);
      if (res.statusCode >= 500 || res.statusCode === 401) {
        // The owner's JSON error names what went wrong upstream; keep its code.
        const text = await res.body.text().catch(() => '');
        throw new ShieldError(peerErrorCode(text), `owner worker answered ${res.statusCode}`);
      }
      return {
        status: res.statusCode,
        headers: flat,
        body: res.body,
        upstream: url,
        peerCache: flat['x-cache'] ?? 'MISS',
      };
    },
    async close(force) {
      await Promise.all([...pools.values()].map((p) => (force ? p.destroy() : p.close())));
      pools.clear();
      await packagers.close(force);
    },
  };
}

const UPSTREAM_CODES: ReadonlySet<string> = new Set([
  'SHIELD_ERR_UPSTREAM_UNREACHABLE',
  'SHIELD_ERR_UPSTREAM_TIMEOUT',
  'SHIELD_ERR_UPSTREAM_BAD_RESPONSE',
  'SHIELD_ERR_UPSTREAM_CIRCUIT_OPEN',
]);

function peerErrorCode(body: string): ShieldErrorCode {
  try {
    const code = (JSON.parse(body) as { code?: unknown }).code;
    if (typeof code === 'string' && UPSTREAM_CODES.has(code)) return code as ShieldErrorCode;
  } catch {
    // Not our JSON error: fall through.
  }
  return 'SHIELD_ERR_UPSTREAM_BAD_RESPONSE';
}
