/**
 * Where viewer tokens travel, as pure functions: the `/~t/<token>/…` path prefix, cookies and the
 * Bearer header. Pure: no I/O. Safari cannot add headers to media requests, so the URL forms matter.
 */
import { PATH_TOKEN_PREFIX } from './signer.ts';

/**
 * Splits `/~t/<token>/rest` into the token and `/rest`; undefined when the path has no token prefix.
 * The token segment is taken as it appears in the normalised path (percent-decoded once).
 *
 * @example splitPathToken('/~t/abc.def.ghi/vod/ts/master.m3u8') // { token: 'abc.def.ghi', rest: '/vod/ts/master.m3u8' }
 */
export function splitPathToken(path: string): { token: string; rest: string } | undefined {
  if (!path.startsWith(PATH_TOKEN_PREFIX)) return undefined;
  const end = path.indexOf('/', PATH_TOKEN_PREFIX.length);
  if (end === -1) return undefined;
  const raw = path.slice(PATH_TOKEN_PREFIX.length, end);
  let token: string;
  try {
    token = decodeURIComponent(raw);
  } catch {
    token = raw;
  }
  return { token, rest: path.slice(end) };
}

/** One cookie's value from a Cookie header (RFC 6265 §5.4: the first one sent), or undefined. */
export function cookieValue(header: string | undefined, name: string): string | undefined {
  return cookieValues(header, name)[0];
}

/**
 * Every value sent for one cookie name, in header order: a signed cookie set whose field repeats is
 * ambiguous, and its verifier must see both spellings to refuse it.
 */
export function cookieValues(header: string | undefined, name: string): string[] {
  if (!header) return [];
  const out: string[] = [];
  for (const part of header.split(';')) {
    const eq = part.indexOf('=');
    if (eq === -1 || part.slice(0, eq).trim() !== name) continue;
    const value = part
      .slice(eq + 1)
      .trim()
      .replace(/^"(.*)"$/, '$1');
    try {
      out.push(decodeURIComponent(value));
    } catch {
      out.push(value);
    }
  }
  return out;
}

/** The token of `Authorization: Bearer <token>` (RFC 6750 §2.1), or undefined. */
export function bearerToken(header: string | undefined): string | undefined {
  const m = /^Bearer +([A-Za-z0-9\-._~+/]+=*) *$/i.exec(header ?? '');
  return m?.[1];
}
