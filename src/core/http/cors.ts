/**
 * CORS for browser players (hls.js fetches every playlist and segment with XHR/fetch). Pure.
 *
 * Applied to every response a tier sends, errors and cache hits included: a player that cannot read
 * a 403 body cannot tell the viewer why playback stopped.
 */

/** Headers players read from cross-origin responses. */
export const CORS_EXPOSE_HEADERS = [
  'Content-Length',
  'Content-Range',
  'Age',
  'x-cache',
  'x-cache-shield',
  'x-edgeshield-policy',
  'Server-Timing',
  'CMSD-Static',
  'CMSD-Dynamic',
  // WHIP/WHEP (RFC 9725 §4.2, §4.4): the session resource, ICE servers and the ICE restart tag.
  'Location',
  'Link',
  'ETag',
] as const;

/**
 * CORS response headers for one request. `allowed` holds exact origins or `*`.
 * With `*` we answer `*` (no credentials); with a list we echo the matching origin and add
 * `Vary: Origin` so shared caches keep one copy per origin.
 *
 * @example corsHeaders('https://player.example', ['*'])['Access-Control-Allow-Origin'] // '*'
 */
export function corsHeaders(
  requestOrigin: string | null,
  allowed: readonly string[],
): Record<string, string> {
  const base: Record<string, string> = {
    'Access-Control-Expose-Headers': CORS_EXPOSE_HEADERS.join(', '),
    'Timing-Allow-Origin': '*',
  };
  if (allowed.includes('*')) return { ...base, 'Access-Control-Allow-Origin': '*' };
  if (requestOrigin !== null && allowed.includes(requestOrigin)) {
    return { ...base, 'Access-Control-Allow-Origin': requestOrigin, Vary: 'Origin' };
  }
  return { Vary: 'Origin' };
}

/** Headers for a CORS preflight answer (OPTIONS with Access-Control-Request-Method). */
export function corsPreflightHeaders(
  requestOrigin: string | null,
  allowed: readonly string[],
): Record<string, string> {
  const headers = corsHeaders(requestOrigin, allowed);
  if (!('Access-Control-Allow-Origin' in headers)) return headers;
  return {
    ...headers,
    'Access-Control-Allow-Methods': 'GET, HEAD, OPTIONS',
    'Access-Control-Allow-Headers':
      'Authorization, Range, CMCD-Object, CMCD-Request, CMCD-Session, CMCD-Status',
    'Access-Control-Max-Age': '86400',
  };
}
