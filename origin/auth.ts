/**
 * Edge → shield authentication by shared secret (`x-edgeshield-auth`), compared in constant time.
 *
 * Both sides are hashed first so `timingSafeEqual` always compares equal-length digests and the
 * secret's length does not leak through timing. Must not log or echo the presented value.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import { SHIELD_AUTH_HEADER } from '../src/core/http/shield-contract.ts';

/** Header the edge sends the shared secret in (the edge ↔ shield contract). */
export const AUTH_HEADER = SHIELD_AUTH_HEADER;

/** Returns whether a presented header value is acceptable. */
export type SecretCheck = (presented: string | readonly string[] | undefined) => boolean;

/**
 * Builds the check once at startup. Without a secret every request passes.
 *
 * @example createSecretCheck('s3cret')(req.headers['x-edgeshield-auth']) // true only for 's3cret'
 */
export function createSecretCheck(secret: string | undefined): SecretCheck {
  if (secret === undefined) return () => true;
  const expected = digest(secret);
  return (presented) => {
    // A repeated header is ambiguous; refuse rather than pick one.
    if (typeof presented !== 'string') return false;
    return timingSafeEqual(digest(presented), expected);
  };
}

function digest(value: string): Buffer {
  return createHash('sha256').update(value, 'utf8').digest();
}
