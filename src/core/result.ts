/**
 * Result type for expected failures in pure code. Pure modules return these instead of throwing;
 * infrastructure failures throw coded errors (see errors.ts).
 *
 * @example
 *   const r = normalizeRequestPath('/a/../b');
 *   if (!r.ok) return badRequest(r.error.reason);
 */
export type Result<T, E> =
  | { readonly ok: true; readonly value: T }
  | { readonly ok: false; readonly error: E };

export function ok<T>(value: T): { readonly ok: true; readonly value: T } {
  return { ok: true, value };
}

export function err<E>(error: E): { readonly ok: false; readonly error: E } {
  return { ok: false, error };
}
