/**
 * Rendezvous (highest-random-weight) hashing: which shield owns a cache key (DESIGN.md "Edge →
 * shield"). Pure: no I/O, no state, deterministic across isolates and restarts.
 *
 * Every node gets a score hash(node, key); nodes are tried in descending score. The owner of a key
 * changes only when the owner itself leaves, or a new node outscores it, which happens for about
 * 1/(N+1) of the keys when growing from N to N+1 nodes: those keys move to the new node and no key
 * moves between old nodes (Thaler & Ravishankar 1998). Must not depend on the order nodes are listed.
 */

/**
 * The nodes in the order to try them for `key`: owner first, then the runners-up (failover stays
 * spread over the remaining nodes rather than piling onto one neighbour).
 *
 * @example rendezvousOrder('https://edge/vod/a.ts', ['http://s1', 'http://s2'])
 *   // e.g. ['http://s2', 'http://s1'], the same on every call and in every isolate
 */
export function rendezvousOrder(key: string, nodes: readonly string[]): string[] {
  return nodes
    .map((node) => ({ node, score: score(node, key) }))
    .sort((a, b) => b.score - a.score || (a.node < b.node ? -1 : a.node > b.node ? 1 : 0))
    .map((entry) => entry.node);
}

/** The node that owns `key`, or undefined for an empty list. */
export function rendezvousOwner(key: string, nodes: readonly string[]): string | undefined {
  return rendezvousOrder(key, nodes)[0];
}

/** FNV-1a over node, a separator and key, finished with MurmurHash3's fmix32 for avalanche. */
function score(node: string, key: string): number {
  let h = 0x811c9dc5;
  const text = `${node}\u0000${key}`;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}
