/**
 * Private signing JWKs at rest (issue 15): sealed with AES-256-GCM under a key derived from the
 * CONTROL_KEY_SECRET secret (SHA-256 of it), so a copy of the D1 database alone cannot mint tokens.
 * Without the secret, keys are stored as plain JWKs (say so in the README). A sealed key read without
 * the secret is an error, never a silent fallback. Must not log key material.
 */
import { toBase64Url } from '../../core/auth/bytes.ts';
import { EdgeError } from '../errors.ts';

interface Sealed {
  readonly enc: 'A256GCM';
  readonly iv: string;
  readonly ct: string;
}

const keys = new Map<string, Promise<CryptoKey>>();

/** RFC 4648 §5 without padding, as toBase64Url writes it; undefined when it is not. */
function fromBase64Url(text: unknown): Uint8Array<ArrayBuffer> | undefined {
  if (typeof text !== 'string' || !/^[A-Za-z0-9_-]*$/.test(text)) return undefined;
  try {
    return Uint8Array.from(atob(text.replace(/-/g, '+').replace(/_/g, '/')), (c) => c.charCodeAt(0));
  } catch {
    return undefined;
  }
}

function aesKey(secret: string): Promise<CryptoKey> {
  let key = keys.get(secret);
  if (!key) {
    key = crypto.subtle
      .digest('SHA-256', new TextEncoder().encode(secret))
      .then((raw) => crypto.subtle.importKey('raw', raw, { name: 'AES-GCM' }, false, ['encrypt', 'decrypt']));
    keys.set(secret, key);
  }
  return key;
}

/** The column text for a private JWK: sealed when a secret is configured. */
export async function sealJwk(secret: string | undefined, jwk: JsonWebKey): Promise<string> {
  const plain = JSON.stringify(jwk);
  if (secret === undefined) return plain;
  const iv = crypto.getRandomValues(new Uint8Array(12));
  const ct = await crypto.subtle.encrypt(
    { name: 'AES-GCM', iv },
    await aesKey(secret),
    new TextEncoder().encode(plain),
  );
  const sealed: Sealed = { enc: 'A256GCM', iv: toBase64Url(iv), ct: toBase64Url(new Uint8Array(ct)) };
  return JSON.stringify(sealed);
}

/** The private JWK from its column text (sealed or, from before a secret was set, plain). */
export async function openJwk(secret: string | undefined, text: string): Promise<Record<string, unknown>> {
  const value = JSON.parse(text) as Record<string, unknown>;
  if (value.enc === undefined) return value;
  const iv = fromBase64Url(value.iv);
  const ct = fromBase64Url(value.ct);
  if (secret === undefined || value.enc !== 'A256GCM' || !iv || !ct)
    throw new EdgeError('EDGE_ERR_API_UNAVAILABLE', 'sealed signing key without CONTROL_KEY_SECRET');
  try {
    const plain = await crypto.subtle.decrypt({ name: 'AES-GCM', iv }, await aesKey(secret), ct);
    return JSON.parse(new TextDecoder().decode(plain)) as Record<string, unknown>;
  } catch (error) {
    throw new EdgeError('EDGE_ERR_API_UNAVAILABLE', 'signing key does not open with CONTROL_KEY_SECRET', {
      cause: error,
    });
  }
}
