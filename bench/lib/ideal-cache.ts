/**
 * Reference hit ratios for a request trace: what an infinite cache, an LRU and Belady's
 * clairvoyant policy (evict the object used furthest in the future) would achieve at a given byte
 * capacity. The bench compares the measured edge/shield hit ratio with these. Pure: the trace comes in.
 *
 * With variable object sizes exact OPT is NP-hard; "furthest next use" is the standard Belady-size
 * heuristic and is an upper reference, not a proof of optimality. With unit sizes it is exact.
 */

/** One request of the trace: an object key and its size in bytes. */
export interface TraceRequest {
  readonly key: string;
  readonly bytes: number;
}

/** Requests and bytes that hit, out of the total: a simulated cache here, a measured tier in analysis.ts. */
export interface HitStats {
  readonly requests: number;
  readonly bytes: number;
  readonly hits: number;
  readonly hitBytes: number;
  readonly hitRatio: number;
  readonly byteHitRatio: number;
}

/**
 * The counts with their ratios (0 when there is no traffic).
 *
 * @example hitStats(4, 3, 400, 300).byteHitRatio // 0.75
 */
export function hitStats(requests: number, hits: number, bytes: number, hitBytes: number): HitStats {
  return {
    requests,
    bytes,
    hits,
    hitBytes,
    hitRatio: requests === 0 ? 0 : hits / requests,
    byteHitRatio: bytes === 0 ? 0 : hitBytes / bytes,
  };
}

/** Infinite cache: only the first request of each object misses (compulsory misses). */
export function simulateInfinite(trace: readonly TraceRequest[]): HitStats {
  const seen = new Set<string>();
  let hits = 0;
  let bytes = 0;
  let hitBytes = 0;
  for (const r of trace) {
    bytes += r.bytes;
    if (seen.has(r.key)) {
      hits++;
      hitBytes += r.bytes;
    } else seen.add(r.key);
  }
  return hitStats(trace.length, hits, bytes, hitBytes);
}

/**
 * Byte-bounded LRU, as the shield's store: an object larger than the capacity is never stored.
 *
 * @example simulateLru([{ key: 'a', bytes: 1 }, { key: 'a', bytes: 1 }], 1).hits // 1
 */
export function simulateLru(trace: readonly TraceRequest[], capacityBytes: number): HitStats {
  const cache = new Map<string, number>(); // insertion order = recency order
  let used = 0;
  let hits = 0;
  let bytes = 0;
  let hitBytes = 0;
  for (const r of trace) {
    bytes += r.bytes;
    const size = cache.get(r.key);
    if (size !== undefined) {
      hits++;
      hitBytes += r.bytes;
      cache.delete(r.key);
      cache.set(r.key, size);
      continue;
    }
    if (r.bytes > capacityBytes) continue;
    while (used + r.bytes > capacityBytes) {
      const oldest = cache.keys().next();
      if (oldest.done === true) break;
      used -= cache.get(oldest.value) ?? 0;
      cache.delete(oldest.value);
    }
    cache.set(r.key, r.bytes);
    used += r.bytes;
  }
  return hitStats(trace.length, hits, bytes, hitBytes);
}

/**
 * Belady (furthest next use) at a byte capacity. O(n log n) with a lazy max-heap on next use.
 *
 * @example simulateBelady(trace, 64 * 2 ** 20).hitRatio >= simulateLru(trace, 64 * 2 ** 20).hitRatio
 */
export function simulateBelady(trace: readonly TraceRequest[], capacityBytes: number): HitStats {
  const n = trace.length;
  const nextUse = new Float64Array(n);
  const upcoming = new Map<string, number>();
  for (let i = n - 1; i >= 0; i--) {
    const key = trace[i]?.key ?? '';
    nextUse[i] = upcoming.get(key) ?? Number.POSITIVE_INFINITY;
    upcoming.set(key, i);
  }
  const cached = new Map<string, { bytes: number; next: number }>();
  const heap: { key: string; next: number }[] = [];
  let used = 0;
  let hits = 0;
  let bytes = 0;
  let hitBytes = 0;
  for (let i = 0; i < n; i++) {
    const r = trace[i];
    if (r === undefined) continue;
    const next = nextUse[i] ?? Number.POSITIVE_INFINITY;
    bytes += r.bytes;
    const entry = cached.get(r.key);
    if (entry !== undefined) {
      hits++;
      hitBytes += r.bytes;
      entry.next = next;
      heapPush(heap, { key: r.key, next });
      continue;
    }
    // Admission as OPT would do it: never cache an object that is not used again.
    if (r.bytes > capacityBytes || next === Number.POSITIVE_INFINITY) continue;
    while (used + r.bytes > capacityBytes) {
      const top = heapPop(heap);
      if (top === undefined) break;
      const victim = cached.get(top.key);
      if (victim === undefined || victim.next !== top.next) continue; // stale heap entry
      if (victim.next < next) {
        // Everything cached is needed sooner than this object: keep them, skip admission.
        heapPush(heap, top);
        break;
      }
      cached.delete(top.key);
      used -= victim.bytes;
    }
    if (used + r.bytes > capacityBytes) continue;
    cached.set(r.key, { bytes: r.bytes, next });
    used += r.bytes;
    heapPush(heap, { key: r.key, next });
  }
  return hitStats(n, hits, bytes, hitBytes);
}

type HeapItem = { key: string; next: number };

function heapPush(heap: HeapItem[], item: HeapItem): void {
  heap.push(item);
  let i = heap.length - 1;
  while (i > 0) {
    const parent = (i - 1) >> 1;
    const p = heap[parent];
    if (p === undefined || p.next >= item.next) break;
    heap[i] = p;
    i = parent;
  }
  heap[i] = item;
}

function heapPop(heap: HeapItem[]): HeapItem | undefined {
  const top = heap[0];
  const last = heap.pop();
  if (top === undefined || last === undefined || heap.length === 0) return top;
  let i = 0;
  for (;;) {
    const l = 2 * i + 1;
    const r = l + 1;
    let largest = i;
    let value = last.next;
    const left = heap[l];
    const right = heap[r];
    if (left !== undefined && left.next > value) {
      largest = l;
      value = left.next;
    }
    if (right !== undefined && right.next > value) largest = r;
    if (largest === i) break;
    heap[i] = heap[largest] as HeapItem;
    i = largest;
  }
  heap[i] = last;
  return top;
}
