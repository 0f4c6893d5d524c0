/**
 * Edge error codes and the one place they become HTTP responses (STYLE.md "Errors").
 *
 * Handlers throw `EdgeError`; hono's `app.onError` calls `edgeErrorResponse`. Clients get a fixed,
 * safe message per code; the thrown message and its cause go to logs only. Must not leak stacks,
 * upstream addresses or secrets into a response body.
 */
import type { Context } from 'hono';
import { splitPathToken } from '../core/auth/sources.ts';
import { CodedError } from '../core/errors.ts';
import { type CacheStatus, errorBodyText, X_CACHE } from '../core/http/shield-contract.ts';
import type { EdgeHonoEnv } from './context.ts';

export const EDGE_ERROR_CODES = [
  'EDGE_ERR_NOT_FOUND',
  'EDGE_ERR_METHOD_NOT_ALLOWED',
  'EDGE_ERR_BAD_PATH',
  'EDGE_ERR_SHIELD_UNREACHABLE',
  'EDGE_ERR_SHIELD_TIMEOUT',
  'EDGE_ERR_CONFIG',
  'EDGE_ERR_INTERNAL',
  'EDGE_ERR_TOKEN_MISSING',
  'EDGE_ERR_TOKEN_INVALID',
  'EDGE_ERR_GEO_BLOCKED',
  'EDGE_ERR_BAD_PLAYLIST',
  'EDGE_ERR_PURGE_UNAUTHORIZED',
  'EDGE_ERR_PURGE_FORBIDDEN',
  'EDGE_ERR_PURGE_BAD_REQUEST',
  'EDGE_ERR_PURGE_UNAVAILABLE',
  'EDGE_ERR_PURGE_LOG_FULL',
  'EDGE_ERR_PURGE_INCOMPLETE',
  // Operator API (issue 15; src/edge/control).
  'EDGE_ERR_API_UNAUTHORIZED',
  'EDGE_ERR_API_FORBIDDEN',
  'EDGE_ERR_API_BAD_REQUEST',
  'EDGE_ERR_API_NOT_FOUND',
  'EDGE_ERR_API_CONFLICT',
  'EDGE_ERR_API_RATE_LIMITED',
  'EDGE_ERR_API_UNAVAILABLE',
  // WHIP/WHEP signalling (issue 16; src/edge/routes/rtc.ts).
  'EDGE_ERR_RTC_DISABLED',
  'EDGE_ERR_RTC_BODY_TOO_LARGE',
  'EDGE_ERR_RTC_UNSUPPORTED_MEDIA_TYPE',
  'EDGE_ERR_RTC_UNREACHABLE',
  'EDGE_ERR_RTC_BAD_RESPONSE',
  'EDGE_ERR_RTC_TIMEOUT',
  'EDGE_ERR_RTC_PUBLISH_FORBIDDEN',
  // WebRTC usage pushed by the media server (src/edge/routes/rtc-usage.ts).
  'EDGE_ERR_RTC_USAGE_UNAUTHORIZED',
  'EDGE_ERR_RTC_USAGE_BAD_REQUEST',
  'EDGE_ERR_RTC_USAGE_TOO_LARGE',
  'EDGE_ERR_RTC_USAGE_UNAVAILABLE',
] as const;
export type EdgeErrorCode = (typeof EDGE_ERROR_CODES)[number];

/** Methods the edge serves; the `Allow` header of every 405. */
export const ALLOWED_METHODS = 'GET, HEAD, OPTIONS';

/** An infrastructure or request failure with a stable code (match on `code`, not the message). */
export class EdgeError extends CodedError<EdgeErrorCode> {
  /** Client-safe detail for the body (API validation issues, never secrets), and a Retry-After. */
  readonly detail: ErrorDetail | undefined;

  constructor(code: EdgeErrorCode, message: string, options?: { cause?: unknown; detail?: ErrorDetail }) {
    super(code, message, options);
    this.name = 'EdgeError';
    this.detail = options?.detail;
  }
}

export interface ErrorDetail {
  /** What was wrong with an API request, one line per field (operator-facing, no secrets). */
  readonly issues?: readonly string[];
  readonly retryAfterS?: number;
}

interface ErrorMapping {
  readonly status: 400 | 401 | 403 | 404 | 405 | 409 | 413 | 415 | 429 | 500 | 501 | 502 | 503 | 504;
  /** Client-safe text: never the thrown message, which may name a shield or carry a cause. */
  readonly message: string;
  readonly headers?: Readonly<Record<string, string>>;
}

/** Code → HTTP status and public message. Exhaustive: a new code fails to compile until mapped. */
export function edgeErrorMapping(code: EdgeErrorCode): ErrorMapping {
  switch (code) {
    case 'EDGE_ERR_NOT_FOUND':
      return { status: 404, message: 'no such resource' };
    case 'EDGE_ERR_METHOD_NOT_ALLOWED':
      return { status: 405, message: 'method not allowed', headers: { Allow: ALLOWED_METHODS } };
    case 'EDGE_ERR_BAD_PATH':
      return { status: 400, message: 'bad request path' };
    case 'EDGE_ERR_SHIELD_UNREACHABLE':
      return { status: 502, message: 'upstream unavailable' };
    case 'EDGE_ERR_SHIELD_TIMEOUT':
      return { status: 504, message: 'upstream timed out' };
    case 'EDGE_ERR_CONFIG':
      return { status: 500, message: 'edge misconfigured' };
    case 'EDGE_ERR_INTERNAL':
      return { status: 500, message: 'internal error' };
    // One generic body per auth outcome: the precise reason is logged, never sent (issue 3).
    case 'EDGE_ERR_TOKEN_MISSING':
      return { status: 401, message: 'token required' };
    case 'EDGE_ERR_TOKEN_INVALID':
      return { status: 403, message: 'access denied' };
    case 'EDGE_ERR_GEO_BLOCKED':
      return { status: 403, message: 'not available in your location' };
    // The shield's playlist could not be parsed and MANIFEST_ON_PARSE_ERROR=reject (issue 4).
    case 'EDGE_ERR_BAD_PLAYLIST':
      return { status: 502, message: 'bad playlist from upstream' };
    // POST /purge (issue 13): an operator endpoint with its own Bearer credential.
    case 'EDGE_ERR_PURGE_UNAUTHORIZED':
      return {
        status: 401,
        message: 'purge needs Authorization: Bearer <secret>',
        headers: { 'WWW-Authenticate': 'Bearer' },
      };
    case 'EDGE_ERR_PURGE_FORBIDDEN':
      return { status: 403, message: 'purge credential refused' };
    case 'EDGE_ERR_PURGE_BAD_REQUEST':
      return { status: 400, message: 'bad purge request' };
    case 'EDGE_ERR_PURGE_UNAVAILABLE':
      return { status: 503, message: 'purge is not configured on this edge' };
    case 'EDGE_ERR_PURGE_LOG_FULL':
      return { status: 503, message: 'purge log full: purge a common prefix instead' };
    // Some shield did not confirm: it may still hold the old bytes and refill the edge. Retry.
    case 'EDGE_ERR_PURGE_INCOMPLETE':
      return { status: 502, message: 'not every shield confirmed the purge; retry' };
    case 'EDGE_ERR_API_UNAUTHORIZED':
      return { status: 401, message: 'API key required', headers: { 'www-authenticate': 'Bearer' } };
    case 'EDGE_ERR_API_FORBIDDEN':
      return { status: 403, message: 'not allowed for this key' };
    case 'EDGE_ERR_API_BAD_REQUEST':
      return { status: 400, message: 'invalid request' };
    case 'EDGE_ERR_API_NOT_FOUND':
      return { status: 404, message: 'no such resource' };
    case 'EDGE_ERR_API_CONFLICT':
      return { status: 409, message: 'conflicts with the current state' };
    case 'EDGE_ERR_API_RATE_LIMITED':
      return { status: 429, message: 'too many requests for this key' };
    case 'EDGE_ERR_API_UNAVAILABLE':
      return { status: 503, message: 'control plane not configured' };
    case 'EDGE_ERR_RTC_DISABLED':
      return { status: 501, message: 'WebRTC is not configured on this edge' };
    case 'EDGE_ERR_RTC_BODY_TOO_LARGE':
      return { status: 413, message: 'signalling body over 64 KiB' };
    case 'EDGE_ERR_RTC_UNSUPPORTED_MEDIA_TYPE':
      return {
        status: 415,
        message: 'expected application/sdp (POST) or application/trickle-ice-sdpfrag (PATCH)',
      };
    case 'EDGE_ERR_RTC_UNREACHABLE':
      return { status: 502, message: 'media server unavailable' };
    case 'EDGE_ERR_RTC_BAD_RESPONSE':
      return { status: 502, message: 'bad answer from media server' };
    case 'EDGE_ERR_RTC_TIMEOUT':
      return { status: 504, message: 'media server timed out' };
    // Fail closed: with AUTH_MODE=off a WHIP publisher would reach every viewer of the stream.
    case 'EDGE_ERR_RTC_PUBLISH_FORBIDDEN':
      return { status: 403, message: 'publishing needs a token on this edge' };
    case 'EDGE_ERR_RTC_USAGE_UNAUTHORIZED':
      return { status: 401, message: 'usage push needs the media server secret in x-edgeshield-auth' };
    // The whole batch is refused (nothing queued); `issues` names each bad record by its index.
    case 'EDGE_ERR_RTC_USAGE_BAD_REQUEST':
      return { status: 400, message: 'bad usage batch: nothing was recorded' };
    case 'EDGE_ERR_RTC_USAGE_TOO_LARGE':
      return { status: 413, message: 'usage batch over 256 KiB' };
    // Retryable: the records were not (or not all) queued; a re-sent batch counts once (rtcSessionId).
    case 'EDGE_ERR_RTC_USAGE_UNAVAILABLE':
      return { status: 503, message: 'usage ledger unavailable; retry', headers: { 'retry-after': '10' } };
    default: {
      const unreachable: never = code;
      return unreachable;
    }
  }
}

/** The JSON error response for a code. Uncached: an error must never outlive its cause. */
export function edgeErrorBody(code: EdgeErrorCode, detail?: ErrorDetail): Response {
  const { status, message, headers } = edgeErrorMapping(code);
  const body =
    detail?.issues === undefined
      ? errorBodyText(code, message)
      : `${JSON.stringify({ code, message, issues: detail.issues })}\n`;
  return new Response(body, {
    status,
    // x-cache on every response (issue 5): an error never comes from a cache.
    headers: {
      'content-type': 'application/json',
      'cache-control': 'no-store',
      [X_CACHE]: 'BYPASS' satisfies CacheStatus,
      ...headers,
      ...(detail?.retryAfterS !== undefined ? { 'retry-after': String(detail.retryAfterS) } : {}),
    },
  });
}

/**
 * What the error mapping reads from a hono context: the viewer app's and the operator API's
 * (control/api.ts) both fit, so both go through this one mapping.
 */
type ErrorContext = Pick<Context<EdgeHonoEnv>, 'req'> & {
  readonly var: { readonly path?: string | undefined };
};

/**
 * hono `onError` handler: the only place a thrown error becomes a response. Anything that is not an
 * `EdgeError` is a bug and answers EDGE_ERR_INTERNAL; client mistakes (4xx) are not logged as errors.
 */
export function edgeErrorResponse(error: Error, c: ErrorContext): Response {
  const code = error instanceof EdgeError ? error.code : 'EDGE_ERR_INTERNAL';
  const { status } = edgeErrorMapping(code);
  // Bad config was logged once, with its issues, when it was parsed; one line per request is noise.
  if (status >= 500 && code !== 'EDGE_ERR_CONFIG') {
    logEdgeError(code, error, c.req.method, loggedPath(c));
  }
  return edgeErrorBody(code, error instanceof EdgeError ? error.detail : undefined);
}

/**
 * The path a log line names: the path guard's token-free `c.var.path`, never the raw URL, whose
 * `/~t/<token>/…` prefix is a live credential. Before the guard ran, the raw path with any token cut.
 */
function loggedPath(c: ErrorContext): string {
  const path: string | undefined = c.var.path;
  if (path !== undefined) return path;
  const raw = new URL(c.req.url).pathname;
  return splitPathToken(raw)?.rest ?? raw;
}

/** One structured log line per server-side failure; the stack stays here, never in a response. */
export function logEdgeError(code: EdgeErrorCode, error: unknown, method: string, path: string): void {
  console.error(
    JSON.stringify({
      level: 'error',
      code,
      method,
      path,
      message: error instanceof Error ? error.message : String(error),
      cause: describeCause(error),
      stack: error instanceof Error && !(error instanceof EdgeError) ? error.stack : undefined,
    }),
  );
}

function describeCause(error: unknown): string | undefined {
  if (!(error instanceof Error) || error.cause === undefined) return undefined;
  const cause = error.cause;
  return cause instanceof Error ? `${cause.name}: ${cause.message}` : String(cause);
}
