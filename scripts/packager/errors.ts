/**
 * The dev packager's error codes and their one mapping to HTTP. Node-side (scripts), no I/O.
 *
 * The media maker throws the same family (`PACKAGER_ERR_FFMPEG_*`) because the packager is the one
 * that runs it on start; CLIs map those codes to exit statuses instead of HTTP.
 */
import { CodedError } from '../../src/core/errors.ts';

export const PACKAGER_ERROR_CODES = [
  'PACKAGER_ERR_BAD_PATH',
  'PACKAGER_ERR_BAD_REQUEST',
  'PACKAGER_ERR_HOLD_TIMEOUT',
  'PACKAGER_ERR_NOT_FOUND',
  'PACKAGER_ERR_METHOD_NOT_ALLOWED',
  'PACKAGER_ERR_RANGE_NOT_SATISFIABLE',
  'PACKAGER_ERR_INTERNAL',
  'PACKAGER_ERR_CONFIG',
  'PACKAGER_ERR_FFMPEG_MISSING',
  'PACKAGER_ERR_FFMPEG_FAILED',
  'PACKAGER_ERR_MEDIA_INVALID',
  'PACKAGER_ERR_MEDIA_DIR_NOT_EMPTY',
] as const;
export type PackagerErrorCode = (typeof PACKAGER_ERROR_CODES)[number];

/** A packager or media-maker failure with a stable code. */
export class PackagerError extends CodedError<PackagerErrorCode> {}

/**
 * HTTP status for a packager error code; the server's only code → status mapping.
 *
 * @example httpStatusOf('PACKAGER_ERR_BAD_PATH') // 400
 */
export function httpStatusOf(code: PackagerErrorCode): number {
  switch (code) {
    case 'PACKAGER_ERR_BAD_PATH':
    case 'PACKAGER_ERR_BAD_REQUEST':
      return 400;
    case 'PACKAGER_ERR_HOLD_TIMEOUT':
      return 503;
    case 'PACKAGER_ERR_NOT_FOUND':
      return 404;
    case 'PACKAGER_ERR_METHOD_NOT_ALLOWED':
      return 405;
    case 'PACKAGER_ERR_RANGE_NOT_SATISFIABLE':
      return 416;
    case 'PACKAGER_ERR_INTERNAL':
    case 'PACKAGER_ERR_CONFIG':
    case 'PACKAGER_ERR_FFMPEG_MISSING':
    case 'PACKAGER_ERR_FFMPEG_FAILED':
    case 'PACKAGER_ERR_MEDIA_INVALID':
    case 'PACKAGER_ERR_MEDIA_DIR_NOT_EMPTY':
      return 500;
  }
}
