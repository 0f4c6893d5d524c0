/**
 * Single byte-range resolution for serving cached objects (RFC 9110 §14). Pure: no I/O.
 *
 * Tiers fetch and cache whole objects and cut ranges on the way out. We honour one range; a
 * multi-range or malformed header is ignored (a full 200), which RFC 9110 §14.2 permits.
 */

/** What to send for a Range header against an object of known size. `end` is inclusive. */
export type RangeDecision =
  | { readonly kind: 'full' }
  | { readonly kind: 'partial'; readonly start: number; readonly end: number }
  | { readonly kind: 'unsatisfiable' };

const SINGLE_RANGE = /^bytes\s*=\s*(\d*)\s*-\s*(\d*)\s*$/i;

/**
 * Decides between 200, 206 and 416 for a Range header.
 *
 * @example resolveRange('bytes=0-99', 1000) // { kind: 'partial', start: 0, end: 99 }
 * @example resolveRange('bytes=-100', 1000) // { kind: 'partial', start: 900, end: 999 }
 * @example resolveRange('bytes=2000-', 1000) // { kind: 'unsatisfiable' }
 */
export function resolveRange(header: string | null | undefined, size: number): RangeDecision {
  if (header === null || header === undefined) return { kind: 'full' };
  const m = SINGLE_RANGE.exec(header);
  if (!m) return { kind: 'full' };
  const first = m[1] ?? '';
  const last = m[2] ?? '';
  if (first === '' && last === '') return { kind: 'full' };
  if (first === '') {
    // RFC 9110 §14.1.2: suffix-range; a zero suffix selects nothing.
    const suffix = Number(last);
    if (suffix === 0 || size === 0) return { kind: 'unsatisfiable' };
    return { kind: 'partial', start: Math.max(0, size - suffix), end: size - 1 };
  }
  const start = Number(first);
  const requestedEnd = last === '' ? Number.POSITIVE_INFINITY : Number(last);
  if (requestedEnd < start) return { kind: 'full' };
  if (start >= size) return { kind: 'unsatisfiable' };
  return { kind: 'partial', start, end: Math.min(requestedEnd, size - 1) };
}

/**
 * The Content-Range value for a 206 (`bytes 0-99/1000`) or, without a range, for a 416
 * (`bytes *` then `/1000`: RFC 9110 §14.4 unsatisfied-range).
 *
 * @example contentRangeValue(1000, { start: 0, end: 99 }) // 'bytes 0-99/1000'
 */
export function contentRangeValue(size: number, range?: { start: number; end: number }): string {
  return range ? `bytes ${range.start}-${range.end}/${size}` : `bytes */${size}`;
}
