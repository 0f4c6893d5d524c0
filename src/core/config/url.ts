/**
 * The config-issue kit's URL element parsers, for readList or a single value: service base URLs and
 * browser origins, written the same way by every service.
 *
 * Pure: uses only the WHATWG URL global (present in workerd and Node), no I/O.
 */

/** The parts of a WHATWG URL read here. */
interface UrlParts {
  readonly protocol: string;
  readonly username: string;
  readonly password: string;
  readonly origin: string;
  readonly pathname: string;
  readonly search: string;
  readonly hash: string;
}
// The URL global exists in every runtime we claim (workerd, Node); declared structurally because
// src/core compiles without DOM or runtime types.
declare const URL: { canParse(input: string): boolean; new (input: string): UrlParts };

/** `parse` result shape shared with readList. */
export type Parsed<T> = { readonly value: T } | { readonly expected: string };

/**
 * An absolute http(s) base URL without query, fragment or credentials; trailing slashes of the path
 * are dropped so callers can append `/path`.
 *
 * @example parseBaseUrl('https://s.example/shield/') // { value: 'https://s.example/shield' }
 */
export function parseBaseUrl(text: string): Parsed<string> {
  const url = URL.canParse(text) ? new URL(text) : undefined;
  if (!url || (url.protocol !== 'http:' && url.protocol !== 'https:') || url.search || url.hash) {
    return { expected: 'absolute http(s) URL without query or fragment' };
  }
  // Credentials in a URL end up in logs; each service has its own secret setting instead.
  if (url.username || url.password) return { expected: 'absolute http(s) URL without credentials' };
  return { value: `${url.origin}${url.pathname.replace(/\/+$/, '')}` };
}

/**
 * `*` or an exact browser origin (`scheme://host[:port]`, nothing more): anything else would never
 * equal a browser's `Origin` header.
 *
 * @example parseCorsOrigin('https://player.example') // { value: 'https://player.example' }
 */
export function parseCorsOrigin(text: string): Parsed<string> {
  if (text === '*') return { value: text };
  const origin = URL.canParse(text) ? new URL(text).origin : undefined;
  if (origin === undefined || origin === 'null' || origin !== text) {
    return { expected: '"*" or an origin like https://player.example' };
  }
  return { value: origin };
}
