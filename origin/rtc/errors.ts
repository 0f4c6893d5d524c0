/**
 * The media server's typed errors: a stable RTC_ERR_* code (src/core/webrtc/contract.ts) and a
 * client-safe message. One place (server.ts `toResponse`) maps them to HTTP; anything else is a
 * 500 RTC_ERR_INTERNAL whose detail goes to the log only.
 */
import { RTC_ERRORS, type RtcErrorCode } from '../../src/core/webrtc/contract.ts';

export class RtcError extends Error {
  readonly code: RtcErrorCode;
  /** Seconds for `Retry-After` (RTC_ERR_STREAM_FULL). */
  readonly retryAfterSec: number | undefined;

  constructor(code: RtcErrorCode, message: string, options?: { cause?: unknown; retryAfterSec?: number }) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'RtcError';
    this.code = code;
    this.retryAfterSec = options?.retryAfterSec;
  }

  get status(): number {
    return RTC_ERRORS[this.code];
  }
}
