/**
 * Shield error codes and the one mapping from errors to HTTP responses.
 *
 * Infrastructure failures throw `ShieldError` (a `CodedError` with `cause` kept); the server turns
 * anything thrown into a response only through `toResponse`. Must not put stacks, upstream URLs or
 * upstream error text in a client body: those go to logs.
 */
import { CodedError } from '../src/core/errors.ts';
import { errorBodyText } from '../src/core/http/shield-contract.ts';

/** Every error code the shield sends. */
export type ShieldErrorCode =
  | 'SHIELD_ERR_BAD_PATH'
  | 'SHIELD_ERR_BAD_REQUEST'
  | 'SHIELD_ERR_REQUEST_TIMEOUT'
  | 'SHIELD_ERR_HEADERS_TOO_LARGE'
  | 'SHIELD_ERR_CLIENT_ABORTED'
  | 'SHIELD_ERR_TOO_MANY_CONNECTIONS'
  | 'SHIELD_ERR_METHOD_NOT_ALLOWED'
  | 'SHIELD_ERR_UNAUTHORIZED'
  | 'SHIELD_ERR_NOT_FOUND'
  | 'SHIELD_ERR_UPSTREAM_UNREACHABLE'
  | 'SHIELD_ERR_UPSTREAM_TIMEOUT'
  | 'SHIELD_ERR_UPSTREAM_BAD_RESPONSE'
  | 'SHIELD_ERR_UPSTREAM_CIRCUIT_OPEN'
  | 'SHIELD_ERR_NOT_READY'
  | 'SHIELD_ERR_PURGE_INCOMPLETE'
  | 'SHIELD_ERR_INTERNAL';

/** A shield failure with a stable code; the message may reach clients, the cause only logs. */
export class ShieldError extends CodedError<ShieldErrorCode> {
  constructor(code: ShieldErrorCode, message: string, options?: { cause?: unknown }) {
    super(code, message, options);
    this.name = 'ShieldError';
  }
}

/** What the server writes for an error (CORS is added by the caller, which knows the Origin). */
export interface ErrorResponse {
  readonly status: number;
  readonly headers: Readonly<Record<string, string>>;
  readonly body: string;
}

/**
 * Maps anything thrown to the response the client sees. Unknown errors become a generic 500.
 *
 * @example toResponse(new ShieldError('SHIELD_ERR_UPSTREAM_TIMEOUT', 'upstream timed out')).status // 504
 */
export function toResponse(error: unknown): ErrorResponse {
  const shieldError =
    error instanceof ShieldError ? error : new ShieldError('SHIELD_ERR_INTERNAL', 'internal error');
  const { status, message } = describe(shieldError);
  const headers: Record<string, string> = { 'content-type': 'application/json', 'cache-control': 'no-store' };
  if (shieldError.code === 'SHIELD_ERR_METHOD_NOT_ALLOWED') headers.allow = 'GET, HEAD, OPTIONS';
  if (
    shieldError.code === 'SHIELD_ERR_UPSTREAM_CIRCUIT_OPEN' ||
    shieldError.code === 'SHIELD_ERR_TOO_MANY_CONNECTIONS' ||
    shieldError.code === 'SHIELD_ERR_PURGE_INCOMPLETE'
  )
    headers['retry-after'] = '1';
  return { status, headers, body: errorBodyText(shieldError.code, message) };
}

function describe(e: ShieldError): { status: number; message: string } {
  switch (e.code) {
    case 'SHIELD_ERR_BAD_PATH':
      return { status: 400, message: e.message };
    case 'SHIELD_ERR_BAD_REQUEST':
      return { status: 400, message: e.message };
    case 'SHIELD_ERR_REQUEST_TIMEOUT':
      return { status: 408, message: 'request not received in time' };
    case 'SHIELD_ERR_HEADERS_TOO_LARGE':
      return { status: 431, message: 'request headers too large' };
    case 'SHIELD_ERR_CLIENT_ABORTED':
      // The client went away mid-request: nobody reads this (nginx logs such requests as 499).
      return { status: 400, message: 'request aborted by the client' };
    case 'SHIELD_ERR_TOO_MANY_CONNECTIONS':
      // SHIELD_MAX_CONNECTIONS reached: the edge tries its next shield.
      return { status: 503, message: 'too many connections' };
    case 'SHIELD_ERR_METHOD_NOT_ALLOWED':
      return { status: 405, message: 'only GET, HEAD and OPTIONS are allowed' };
    case 'SHIELD_ERR_UNAUTHORIZED':
      // One generic body for every auth failure; the reason is logged, never sent.
      return { status: 401, message: 'unauthorized' };
    case 'SHIELD_ERR_NOT_FOUND':
      return { status: 404, message: 'not found' };
    case 'SHIELD_ERR_UPSTREAM_UNREACHABLE':
      return { status: 502, message: 'upstream unreachable' };
    case 'SHIELD_ERR_UPSTREAM_TIMEOUT':
      return { status: 504, message: 'upstream timed out' };
    case 'SHIELD_ERR_UPSTREAM_BAD_RESPONSE':
      return { status: 502, message: 'upstream sent a bad response' };
    case 'SHIELD_ERR_UPSTREAM_CIRCUIT_OPEN':
      // Every packager's breaker is open: a short outage the edge may retry on another shield.
      return { status: 503, message: 'upstream temporarily unavailable' };
    case 'SHIELD_ERR_NOT_READY':
      // /readyz only: starting, draining or every packager's circuit open (readiness.ts); the message says which.
      return { status: 503, message: e.message };
    case 'SHIELD_ERR_PURGE_INCOMPLETE':
      // Cluster: a worker slot missed the purge (it gets it on restart); the message says how many applied it.
      return { status: 503, message: e.message };
    case 'SHIELD_ERR_INTERNAL':
      return { status: 500, message: 'internal error' };
    default: {
      const unreachable: never = e.code;
      return { status: 500, message: String(unreachable) };
    }
  }
}

const TIMEOUT_CODES: ReadonlySet<string> = new Set([
  'UND_ERR_CONNECT_TIMEOUT',
  'UND_ERR_HEADERS_TIMEOUT',
  'UND_ERR_BODY_TIMEOUT',
  'ETIMEDOUT',
]);

const UNREACHABLE_CODES: ReadonlySet<string> = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EPIPE',
  'UND_ERR_SOCKET',
  'UND_ERR_CLOSED',
  'UND_ERR_DESTROYED',
]);

/**
 * Classifies a failure talking to a packager (undici or socket error) by its `code`.
 * Already-classified `ShieldError`s pass through unchanged.
 *
 * @example upstreamFailure(Object.assign(new Error('x'), { code: 'ECONNREFUSED' })).code
 *   // 'SHIELD_ERR_UPSTREAM_UNREACHABLE'
 */
export function upstreamFailure(cause: unknown): ShieldError {
  if (cause instanceof ShieldError) return cause;
  const code = errorCode(cause);
  if (code !== undefined && TIMEOUT_CODES.has(code)) {
    return new ShieldError('SHIELD_ERR_UPSTREAM_TIMEOUT', 'upstream timed out', { cause });
  }
  if (code !== undefined && UNREACHABLE_CODES.has(code)) {
    return new ShieldError('SHIELD_ERR_UPSTREAM_UNREACHABLE', 'upstream unreachable', { cause });
  }
  return new ShieldError('SHIELD_ERR_UPSTREAM_BAD_RESPONSE', 'upstream failed', { cause });
}

/** The `code` of an error or of the first error in its cause chain / AggregateError that has one. */
function errorCode(error: unknown, depth = 0): string | undefined {
  if (!(error instanceof Error) || depth > 3) return undefined;
  const code = (error as { code?: unknown }).code;
  if (typeof code === 'string') return code;
  // Happy-eyeballs connects report an AggregateError of per-address failures.
  if (error instanceof AggregateError) {
    for (const inner of error.errors) {
      const c = errorCode(inner, depth + 1);
      if (c !== undefined) return c;
    }
  }
  return errorCode(error.cause, depth + 1);
}
