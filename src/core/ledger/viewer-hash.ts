/**
 * Viewer pseudonymisation for the ledger: a token `sub` becomes a short SHA-256 hex prefix, so
 * finance can count distinct viewers and sessions without the ledger holding who they are.
 *
 * Pure: the digest function comes in as an argument (crypto.subtle in the Worker, node:crypto or
 * crypto.subtle in Node). Must never return or log the raw `sub`.
 */

/** SHA-256 of the UTF-8 bytes of `text`. */
export type Sha256 = (text: string) => Promise<ArrayBuffer | Uint8Array>;

/** 16 hex chars = 64 bits: collision-free for any realistic viewer count, too short to be a key. */
export const VIEWER_HASH_HEX_CHARS = 16;

/**
 * @example
 *   const sha256: Sha256 = async (t) => crypto.subtle.digest('SHA-256', new TextEncoder().encode(t));
 *   await hashViewer('alice', sha256) // 16 hex chars, same for every request of alice
 */
export async function hashViewer(sub: string, sha256: Sha256, salt = ''): Promise<string> {
  // Salt first and a separator, so `salt + sub` cannot collide across different splits.
  const digest = await sha256(`${salt}\u0000${sub}`);
  const bytes = digest instanceof Uint8Array ? digest : new Uint8Array(digest);
  let hex = '';
  for (const b of bytes.subarray(0, VIEWER_HASH_HEX_CHARS / 2)) hex += b.toString(16).padStart(2, '0');
  return hex;
}
