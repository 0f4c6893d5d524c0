/**
 * Canonical JWS encodings: one token string per signed message. Refuses base64url segments whose last
 * character carries non-zero unused bits (RFC 4648 §3.5: 4 spellings of one signature) and ECDSA
 * signatures in the upper half of the curve order (s and n−s both verify; "low-S" as BIP 62 and
 * libsecp256k1 require), and turns our own signatures low-S. Pure: no I/O, no crypto (byte arithmetic
 * only); it never verifies a signature, which stays jose's job at the edge.
 */
import { err, ok, type Result } from '../result.ts';
import { fromBase64UrlStrict, fromHex, utf8Decode } from './bytes.ts';

/** Half the group order ⌊n/2⌋ of each ECDSA curve JWS names (RFC 7518 §3.4), big-endian hex. */
const HALF_ORDER_HEX: Readonly<Record<string, string>> = {
  // P-256: n = FFFFFFFF 00000000 FFFFFFFF FFFFFFFF BCE6FAAD A7179E84 F3B9CAC2 FC632551
  ES256: '7fffffff800000007fffffffffffffffde737d56d38bcf4279dce5617e3192a8',
  // P-384: n = …FFFFFFFF C7634D81 F4372DDF 581A0DB2 48B0A77A ECEC196A CCC52973
  ES384: '7fffffffffffffffffffffffffffffffffffffffffffffffe3b1a6c0fa1b96efac0d06d9245853bd76760cb5666294b9',
  // P-521: n = 01FF…FFFF FA518687 83 BF2F966B 7FCC0148 F709A5D0 3BB5C9B8 899C47AE BB6FB71E 91386409
  ES512:
    '00fffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffd28c343c1df97cb35bfe600a47b84d2e81ddae4dc44ce23d75db7db8f489c3204',
};

const HALF_ORDER: ReadonlyMap<string, Uint8Array> = new Map(
  Object.entries(HALF_ORDER_HEX).map(([alg, hex]) => [alg, fromHex(hex) ?? new Uint8Array()]),
);

export type JwsCanonicalFailure =
  | { readonly reason: 'malformed'; readonly detail: string }
  | { readonly reason: 'bad-signature' };

/**
 * Checks a compact JWS for canonical encodings before any crypto: three base64url segments with zero
 * unused bits, a JSON object header, and for ES256/ES384/ES512 an R‖S signature of the curve's exact
 * length with S ≤ n/2. A failure is a refusal, never a throw.
 *
 * @example checkJwsCanonical(token) // { ok: true, value: undefined } or { ok: false, error: … }
 */
export function checkJwsCanonical(token: string): Result<void, JwsCanonicalFailure> {
  const parts = token.split('.');
  if (parts.length !== 3) return err({ reason: 'malformed', detail: 'not a compact JWS' });
  const [headerText = '', payloadText = '', signatureText = ''] = parts;
  const header = fromBase64UrlStrict(headerText);
  if (!header || !fromBase64UrlStrict(payloadText))
    return err({ reason: 'malformed', detail: 'non-canonical base64url' });
  const signature = fromBase64UrlStrict(signatureText);
  if (!signature) return err({ reason: 'malformed', detail: 'non-canonical base64url signature' });
  const alg = algOf(header);
  if (alg === undefined) return err({ reason: 'malformed', detail: 'header' });
  const half = HALF_ORDER.get(alg);
  if (!half) return ok(undefined);
  if (signature.length !== half.length * 2) return err({ reason: 'malformed', detail: 'ecdsa length' });
  // RFC 7518 §3.4: R and S as fixed-length big-endian halves; S above n/2 is the malleated twin.
  if (compareBytes(signature.subarray(half.length), half) > 0) return err({ reason: 'bad-signature' });
  return ok(undefined);
}

/**
 * The low-S twin of an R‖S ECDSA signature (S replaced by n−S when S > n/2); other algorithms and
 * already-low signatures are returned unchanged. Used by our signer so every token it makes passes
 * `checkJwsCanonical`, whatever S Web Crypto drew.
 */
export function toLowS(alg: string, signature: Uint8Array<ArrayBuffer>): Uint8Array<ArrayBuffer> {
  const half = HALF_ORDER.get(alg);
  if (!half || signature.length !== half.length * 2) return signature;
  const size = half.length;
  const s = signature.subarray(size);
  if (compareBytes(s, half) <= 0) return signature;
  // n = 2·half + 1 (n is odd), so n − s = half − s + half + 1, computed byte by byte.
  const n = addOne(double(half));
  const out = new Uint8Array(signature);
  out.set(subtract(n, s), size);
  return out;
}

function algOf(header: Uint8Array): string | undefined {
  const text = utf8Decode(header);
  if (text === undefined) return undefined;
  try {
    const parsed: unknown = JSON.parse(text);
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) return undefined;
    const alg = (parsed as { alg?: unknown }).alg;
    return typeof alg === 'string' ? alg : undefined;
  } catch {
    return undefined;
  }
}

/** Big-endian unsigned comparison of equal-length byte strings. */
function compareBytes(a: Uint8Array, b: Uint8Array): number {
  for (let i = 0; i < a.length; i++) {
    const d = (a[i] ?? 0) - (b[i] ?? 0);
    if (d !== 0) return d;
  }
  return 0;
}

function double(a: Uint8Array): Uint8Array {
  const out = new Uint8Array(a.length);
  let carry = 0;
  for (let i = a.length - 1; i >= 0; i--) {
    const v = (a[i] ?? 0) * 2 + carry;
    out[i] = v & 0xff;
    carry = v >> 8;
  }
  return out;
}

function addOne(a: Uint8Array): Uint8Array {
  const out = new Uint8Array(a);
  for (let i = out.length - 1; i >= 0; i--) {
    out[i] = ((out[i] ?? 0) + 1) & 0xff;
    if (out[i] !== 0) break;
  }
  return out;
}

/** a − b for a ≥ b, equal lengths. */
function subtract(a: Uint8Array, b: Uint8Array): Uint8Array {
  const out = new Uint8Array(a.length);
  let borrow = 0;
  for (let i = a.length - 1; i >= 0; i--) {
    let v = (a[i] ?? 0) - (b[i] ?? 0) - borrow;
    borrow = v < 0 ? 1 : 0;
    if (v < 0) v += 256;
    out[i] = v;
  }
  return out;
}
