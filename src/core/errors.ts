/**
 * Coded errors shared by every service. Pure: no I/O.
 *
 * Infrastructure failures throw a `CodedError` whose `code` is a stable string from the service's
 * union (`EDGE_ERR_*`, `SHIELD_ERR_*`, `PACKAGER_ERR_*`). Each service maps codes to HTTP in exactly
 * one place; clients only ever see `{ code, message }` (`errorBodyText` in http/shield-contract.ts),
 * never a stack.
 */
export class CodedError<C extends string = string> extends Error {
  readonly code: C;

  constructor(code: C, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'CodedError';
    this.code = code;
  }
}
