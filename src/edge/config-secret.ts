import type { IssueSink } from '../core/config/issue.ts';

/**
 * One check for secret-valued edge vars (SHIELD_SHARED_SECRET, EDGE_PURGE_SECRET): header-safe visible
 * ASCII and long enough. Issues describe the value's length only, never the secret itself.
 */

// RFC 9110 §5.5 field-value, restricted to visible ASCII so the secret survives every proxy intact.
const HEADER_SAFE = /^[\x21-\x7e]+$/;

/** Pushes an issue for a set secret that is not header-safe or shorter than `minChars`; '' = unset. */
export function checkSecret<K extends string>(
  key: K,
  value: string | undefined,
  minChars: number,
  issues: IssueSink<K>,
): void {
  if (value === undefined || value === '') return;
  if (HEADER_SAFE.test(value) && value.length >= minChars) return;
  issues.push({
    key,
    expected: `${minChars > 1 ? `at least ${minChars} ` : ''}visible ASCII characters without spaces (sent as a header value)`,
    got: `a ${value.length}-character value that is not`,
  });
}
