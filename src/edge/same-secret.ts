/**
 * Secret comparison for the edge's operator and service endpoints (`POST /purge`, `POST /rtc-usage`).
 * Must not return early on the first differing byte or on a length difference.
 */
import { timingSafeEqual, utf8 } from '../core/auth/bytes.ts';

/**
 * Constant-time: both sides are hashed first, so lengths never differ and nothing leaks by timing.
 *
 * @example await sameSecret(c.req.header('x-edgeshield-auth') ?? '', config.rtc.secret)
 */
export async function sameSecret(presented: string, expected: string): Promise<boolean> {
  const digest = async (s: string) => new Uint8Array(await crypto.subtle.digest('SHA-256', utf8(s)));
  const [a, b] = await Promise.all([digest(presented), digest(expected)]);
  return timingSafeEqual(a, b);
}
