/**
 * Coded errors shared by every service. Pure: no I/O.
 *
 * Infrastructure failures throw a `CodedError` whose `code` is a stable string from the service's
 * union (`EDGE_ERR_*`, `SHIELD_ERR_*`, `PACKAGER_ERR_*`). Each service maps codes to HTTP in exactly
 * one place; clients only ever see `{ code, message }`, never a stack.
 */
export class CodedError<C extends string = string> extends Error {
  readonly code: C;

  constructor(code: C, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'CodedError';
    this.code = code;
  }
}

/** The JSON body every tier sends with an error status. */
export interface ErrorBody {
  readonly code: string;
  readonly message: string;
}

/**
 * Serialises an error body. The message must be safe for clients (no stack, no upstream detail).
 *
 * @example errorBodyText('EDGE_ERR_NOT_FOUND', 'no such route') // '{"code":"EDGE_ERR_NOT_FOUND",...}'
 */
export function errorBodyText(code: string, message: string): string {
  const body: ErrorBody = { code, message };
  return `${JSON.stringify(body)}\n`;
}
