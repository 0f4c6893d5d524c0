/**
 * The edge ↔ shield contract in one place: the header the edge authenticates with, the `x-cache`
 * header and its values, and the JSON body every tier sends with an error status. Both tiers (and
 * the dev packager, for the error body) import these names instead of spelling them, so a rename is
 * one edit and a mismatch is a type error. Pure: no I/O, no runtime imports.
 */

/** Header the edge sends the shared secret in; the shield checks it against SHIELD_SHARED_SECRET. */
export const SHIELD_AUTH_HEADER = 'x-edgeshield-auth';

/** Each tier's own cache status header (DESIGN.md "Response headers"). */
export const X_CACHE = 'x-cache';

/** `x-cache` values both tiers send. */
export const CACHE_STATUSES = ['HIT', 'MISS', 'STALE', 'COALESCED', 'BYPASS'] as const;
export type CacheStatus = (typeof CACHE_STATUSES)[number];

/** The JSON body every tier sends with an error status. */
export interface ErrorBody {
  readonly code: string;
  readonly message: string;
}

/**
 * Serialises an error body. The message must be safe for clients (no stack, no upstream detail).
 *
 * @example errorBodyText('EDGE_ERR_NOT_FOUND', 'no such route') // '{"code":"EDGE_ERR_NOT_FOUND",...}\n'
 */
export function errorBodyText(code: string, message: string): string {
  const body: ErrorBody = { code, message };
  return `${JSON.stringify(body)}\n`;
}
