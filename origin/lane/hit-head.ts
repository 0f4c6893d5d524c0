/**
 * The one writer of a whole-object 200's response head, for every path that serves one: Node's
 * `sendObject` (routes/respond.ts: HIT, STALE, a fill's replay), Node's in-server fast path and the
 * fast lane (hit-lookup.ts, wire.ts). All take their header list from `hitHeaderList`, and the lane
 * its bytes from `encodeHitHead`, so the paths cannot drift apart. Pure: no I/O, no clock (the Date
 * value comes in as text).
 */
import type { CacheStatus } from '../../src/core/http/shield-contract.ts';
import { X_CACHE } from '../../src/core/http/shield-contract.ts';

/** What a whole-object 200's head is made of. */
export interface HitHeadFacts {
  /** CORS headers for the request's Origin (first, as on every shield response). */
  readonly cors: Readonly<Record<string, string>>;
  /** The stored object's replay headers; its own Content-Length is replaced by `bodyBytes`. */
  readonly stored: Readonly<Record<string, string>>;
  readonly bodyBytes: number;
  readonly cacheStatus: CacheStatus;
  readonly serverTiming: string;
  /** Seconds for `Age` (hits and stale serves); omitted on a fill's own response. When set, `age` is last. */
  readonly ageSec?: number | undefined;
}

/**
 * The head's header list, flat `[name, value, …]` (Node's `writeHead` array form), `age` last when set.
 *
 * @example res.writeHead(200, hitHeaderList({ cors: {}, stored, bodyBytes: 9, cacheStatus: 'HIT', serverTiming: 'shield;dur=0', ageSec: 3 }))
 */
export function hitHeaderList(facts: HitHeadFacts): string[] {
  const list: string[] = [];
  for (const name in facts.cors) list.push(name, facts.cors[name] ?? '');
  for (const name in facts.stored) if (name !== 'content-length') list.push(name, facts.stored[name] ?? '');
  list.push('accept-ranges', 'bytes', 'content-length', String(facts.bodyBytes));
  list.push(X_CACHE, facts.cacheStatus, 'server-timing', facts.serverTiming);
  if (facts.ageSec !== undefined) list.push('age', String(facts.ageSec));
  return list;
}

/**
 * The encoded head for a raw socket: the status line, `list` as is, then what Node's ServerResponse
 * adds after a user's headers on a keep-alive response (Date, Connection, Keep-Alive).
 *
 * @example socket.write(encodeHitHead(list, new Date(now).toUTCString(), 5))
 */
export function encodeHitHead(list: readonly string[], date: string, keepAliveSec: number): Buffer {
  let text = 'HTTP/1.1 200 OK\r\n';
  for (let i = 0; i + 1 < list.length; i += 2) text += `${list[i]}: ${list[i + 1]}\r\n`;
  text += `Date: ${date}\r\nConnection: keep-alive\r\nKeep-Alive: timeout=${keepAliveSec}\r\n\r\n`;
  return Buffer.from(text, 'latin1');
}

/**
 * Whether every name and value is one Node's `writeHead` would send as is. `encodeHitHead` does not
 * validate, so a list that fails (an odd header from a tampered disk file) must go to Node's path.
 */
export function rawWritable(list: readonly string[]): boolean {
  for (let i = 0; i + 1 < list.length; i += 2)
    if (!HEADER_NAME.test(list[i] ?? '') || INVALID_VALUE.test(list[i + 1] ?? '')) return false;
  return true;
}

/** RFC 9110 token (a header name) and what Node's writeHead refuses in a value. */
const HEADER_NAME = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;
const INVALID_VALUE = /[^\t\x20-\x7e\x80-\xff]/;
