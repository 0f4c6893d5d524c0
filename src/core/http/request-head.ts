/**
 * A strict reader for the simple HTTP/1.1 request heads the shield's fast lane may answer itself.
 * Pure: no I/O.
 *
 * The fast lane (origin/fast-lane.ts) only needs to answer what edges send for cache hits: a GET or
 * HEAD with a handful of headers. Anything this reader is not certain about (obs-fold, bare LF,
 * Transfer-Encoding, duplicate or malformed Content-Length, a Connection other than keep-alive,
 * Upgrade, Expect, HTTP/1.0, a missing or repeated Host, bytes outside the grammar) comes back as
 * `unsure`, and the lane hands that connection's bytes, from that request on, to Node's own parser
 * for good. So this reader never has to agree with llhttp on an edge case: it either sees an
 * unambiguous head or steps aside before anything about the request is acted on. Must not decode
 * the target or know about caching.
 */

/** A head this reader fully understood. `headers` is flat: name, value, name, value (names as sent). */
export interface SimpleRequestHead {
  readonly kind: 'simple';
  readonly method: string;
  /** Request target exactly as sent (origin-form, printable ASCII). */
  readonly target: string;
  readonly headers: readonly string[];
  /** Body bytes that follow the head (Content-Length, else 0). */
  readonly bodyLength: number;
}

export type RequestHeadReading = SimpleRequestHead | { readonly kind: 'unsure'; readonly reason: string };

/** RFC 9110 §5.6.2 tchar, as a lookup by char code. */
const TCHAR = new Uint8Array(128);
for (const c of "!#$%&'*+-.^_`|~0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ")
  TCHAR[c.charCodeAt(0)] = 1;

const unsure = (reason: string): RequestHeadReading => ({ kind: 'unsure', reason });

function isToken(s: string): boolean {
  if (s.length === 0) return false;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c >= 128 || TCHAR[c] !== 1) return false;
  }
  return true;
}

/** Origin-form target: starts with '/', printable ASCII only (no space, control, DEL or 8-bit). */
function isOriginForm(s: string): boolean {
  if (s.charCodeAt(0) !== 0x2f) return false;
  for (let i = 1; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c <= 0x20 || c >= 0x7f) return false;
  }
  return true;
}

/** Field value: VCHAR, SP, HTAB and obs-text; no CR, LF, NUL or other controls. */
function isFieldValue(s: string): boolean {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if ((c < 0x20 && c !== 0x09) || c === 0x7f || c > 0xff) return false;
  }
  return true;
}

/** Trims optional whitespace (SP / HTAB) around a field value. */
function trimOws(s: string): string {
  let a = 0;
  let b = s.length;
  while (a < b && (s.charCodeAt(a) === 0x20 || s.charCodeAt(a) === 0x09)) a++;
  while (b > a && (s.charCodeAt(b - 1) === 0x20 || s.charCodeAt(b - 1) === 0x09)) b--;
  return a === 0 && b === s.length ? s : s.slice(a, b);
}

/**
 * Reads one request head: the latin1 text before its terminating CRLF CRLF (not included).
 *
 * @example readRequestHead('GET /a.ts HTTP/1.1\r\nHost: s') // { kind: 'simple', method: 'GET', target: '/a.ts', headers: ['Host', 's'], bodyLength: 0 }
 */
export function readRequestHead(head: string): RequestHeadReading {
  const lineEnd = head.indexOf('\r\n');
  const requestLine = lineEnd === -1 ? head : head.slice(0, lineEnd);
  const sp1 = requestLine.indexOf(' ');
  const sp2 = requestLine.indexOf(' ', sp1 + 1);
  if (sp1 <= 0 || sp2 === -1 || requestLine.indexOf(' ', sp2 + 1) !== -1) return unsure('request line');
  const method = requestLine.slice(0, sp1);
  const target = requestLine.slice(sp1 + 1, sp2);
  if (!isToken(method) || !isOriginForm(target)) return unsure('request line');
  if (requestLine.slice(sp2 + 1) !== 'HTTP/1.1') return unsure('version');
  const headers: string[] = [];
  let hosts = 0;
  let lengths = 0;
  let bodyLength = 0;
  let at = lineEnd === -1 ? head.length : lineEnd + 2;
  while (at < head.length) {
    let next = head.indexOf('\r\n', at);
    if (next === -1) next = head.length;
    const line = head.slice(at, next);
    at = next + 2;
    const colon = line.indexOf(':');
    // A name must start the line (no obs-fold) and be a token; CR/LF inside a line is a bare one.
    if (colon <= 0) return unsure('header line');
    const name = line.slice(0, colon);
    const value = trimOws(line.slice(colon + 1));
    if (!isToken(name) || !isFieldValue(value)) return unsure('header line');
    headers.push(name, value);
    switch (name.toLowerCase()) {
      case 'host':
        hosts++;
        break;
      case 'content-length':
        lengths++;
        if (!/^\d{1,15}$/.test(value)) return unsure('content-length');
        bodyLength = Number(value);
        break;
      case 'connection':
        if (value.toLowerCase() !== 'keep-alive') return unsure('connection');
        break;
      case 'transfer-encoding':
      case 'upgrade':
      case 'expect':
        return unsure('framing or upgrade');
    }
  }
  if (hosts !== 1) return unsure('host');
  if (lengths > 1) return unsure('content-length');
  return { kind: 'simple', method, target, headers, bodyLength };
}
