/**
 * The encoded responses of fast-lane hits (fast-lane.ts), from hit-head.ts's encoder. A hit's head changes only with Age
 * and Date (once a second at most), so each object and CORS variant keeps its encoded head until one
 * of them moves; a small body is kept joined to it, so the hit is one write of one Buffer. Bounded:
 * the joined copies and the heads kept are cleared whole when full. Must not decide what is a hit.
 */
import { encodeHitHead } from './hit-head.ts';
import type { FastAnswer } from './hit-lookup.ts';

/** Bodies up to this size are written joined to their head (one Buffer, one write). */
const SMALL_BODY_BYTES = 16 * 1024;
/** Bound of the joined copies (small bodies duplicated next to their heads) and of encoded heads kept. */
const MAX_JOINED_BYTES = 32 * 1024 * 1024;
const MAX_WIRES = 10_000;

/** A hit's encoded head for one Age and Date, and for a small body the head and body joined. */
export interface Wire {
  readonly age: string;
  readonly date: string;
  readonly head: Buffer;
  readonly joined: Buffer | undefined;
}

/**
 * Builds the cache; `keepAliveTimeoutMs` is read per new head (Node's server may change it).
 *
 * @example const wireOf = createWireCache(Date.now, () => server.keepAliveTimeout); socket.write(wireOf(answer).head);
 */
export function createWireCache(
  now: () => number,
  keepAliveTimeoutMs: () => number,
): (answer: FastAnswer) => Wire {
  let dateSecond = -1;
  let dateText = '';
  const date = (): string => {
    const t = now();
    const second = Math.floor(t / 1000);
    if (second !== dateSecond) {
      dateSecond = second;
      dateText = new Date(t).toUTCString();
    }
    return dateText;
  };
  const wires = new Map<readonly string[], Wire>();
  let joinedBytes = 0;
  const wireOf = (answer: FastAnswer): Wire => {
    const today = date();
    const known = wires.get(answer.headers);
    if (known !== undefined && known.age === answer.age && known.date === today) return known;
    const head = encodeHitHead(answer.headers, today, Math.floor(keepAliveTimeoutMs() / 1000));
    const body = answer.object.body;
    if (known?.joined !== undefined) joinedBytes -= known.joined.byteLength;
    if (wires.size >= MAX_WIRES || joinedBytes + head.byteLength + body.byteLength > MAX_JOINED_BYTES) {
      wires.clear();
      joinedBytes = 0;
    }
    const joined = body.byteLength <= SMALL_BODY_BYTES ? Buffer.concat([head, body]) : undefined;
    joinedBytes += joined?.byteLength ?? 0;
    const wire = { age: answer.age, date: today, head, joined };
    wires.set(answer.headers, wire);
    return wire;
  };
  return wireOf;
}
