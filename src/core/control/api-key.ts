/**
 * Operator API key format. Pure: no I/O, no randomness (bytes come in).
 *
 * A key reads `esk_<id>_<secret>`: the id (12 hex) names the row and is safe to log; the secret (32
 * random bytes, base64url) is shown once and stored only as its SHA-256. Lookup is by id, then the
 * hashes are compared in constant time, so response timing says nothing about the secret.
 */
import { toBase64Url, toHex } from '../auth/bytes.ts';

const KEY = /^esk_([0-9a-f]{12})_([A-Za-z0-9_-]{43})$/;

export interface ParsedApiKey {
  readonly id: string;
  readonly secret: string;
}

/** @example parseApiKey('esk_0123456789ab_…') // { id: '0123456789ab', secret: '…' } */
export function parseApiKey(text: string): ParsedApiKey | undefined {
  const m = KEY.exec(text);
  return m?.[1] && m[2] ? { id: m[1], secret: m[2] } : undefined;
}

/** A new key from 6 id bytes and 32 secret bytes (the caller draws them from a CSPRNG). */
export function formatApiKey(idBytes: Uint8Array, secretBytes: Uint8Array): ParsedApiKey & { key: string } {
  if (idBytes.length !== 6 || secretBytes.length !== 32)
    throw new TypeError('formatApiKey: expected 6 id bytes and 32 secret bytes');
  const id = toHex(idBytes);
  const secret = toBase64Url(secretBytes);
  return { id, secret, key: `esk_${id}_${secret}` };
}
