/**
 * Byte helpers for token formats: UTF-8, hex, base64 (standard, url-safe, CloudFront's variant) and a
 * constant-time comparison. Pure: no I/O. Written here because src/core compiles without DOM types
 * (no TextEncoder/atob), and because every decoder must return `undefined` on bad input, never throw.
 */

const B64 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
const B64_INDEX: Readonly<Record<string, number>> = Object.fromEntries([...B64].map((c, i) => [c, i]));

/** UTF-8 bytes of a string (lone surrogates become U+FFFD, as TextEncoder does). */
export function utf8(text: string): Uint8Array<ArrayBuffer> {
  const out: number[] = [];
  for (const ch of text) {
    let cp = ch.codePointAt(0) ?? 0xfffd;
    if (cp >= 0xd800 && cp <= 0xdfff) cp = 0xfffd;
    if (cp < 0x80) out.push(cp);
    else if (cp < 0x800) out.push(0xc0 | (cp >> 6), 0x80 | (cp & 63));
    else if (cp < 0x10000) out.push(0xe0 | (cp >> 12), 0x80 | ((cp >> 6) & 63), 0x80 | (cp & 63));
    else out.push(0xf0 | (cp >> 18), 0x80 | ((cp >> 12) & 63), 0x80 | ((cp >> 6) & 63), 0x80 | (cp & 63));
  }
  return Uint8Array.from(out);
}

/** Lower-case hex. */
export function toHex(bytes: Uint8Array): string {
  let s = '';
  for (const b of bytes) s += b.toString(16).padStart(2, '0');
  return s;
}

/** Bytes of a hex string, or undefined when it is not even-length hex. */
export function fromHex(hex: string): Uint8Array<ArrayBuffer> | undefined {
  if (hex.length % 2 !== 0 || !/^[0-9a-fA-F]*$/.test(hex)) return undefined;
  const out = new Uint8Array(hex.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = Number.parseInt(hex.slice(i * 2, i * 2 + 2), 16);
  return out;
}

/** RFC 4648 §4 base64 with padding. */
export function toBase64(bytes: Uint8Array): string {
  let s = '';
  for (let i = 0; i < bytes.length; i += 3) {
    const n = ((bytes[i] ?? 0) << 16) | ((bytes[i + 1] ?? 0) << 8) | (bytes[i + 2] ?? 0);
    s += B64[(n >> 18) & 63];
    s += B64[(n >> 12) & 63];
    s += i + 1 < bytes.length ? B64[(n >> 6) & 63] : '=';
    s += i + 2 < bytes.length ? B64[n & 63] : '=';
  }
  return s;
}

/** RFC 4648 §5 base64url without padding (JWS, nginx secure_link). */
export function toBase64Url(bytes: Uint8Array): string {
  return toBase64(bytes).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}

/**
 * Decodes base64 in any of the alphabets tokens use: standard, url-safe (`-_`) and CloudFront's
 * (`-` for `+`, `~` for `/`, `_` for `=`). Padding optional. Undefined on anything else.
 */
export function fromBase64Any(text: string): Uint8Array<ArrayBuffer> | undefined {
  const cleaned = text.replace(/[=_]+$/, (pad) => (/^[=_]{1,2}$/.test(pad) ? '' : pad));
  if (!/^[A-Za-z0-9+/\-_~]*$/.test(cleaned) || cleaned.length % 4 === 1) return undefined;
  const normal = cleaned.replace(/-/g, '+').replace(/[_~]/g, '/');
  const out: number[] = [];
  let buffer = 0;
  let bits = 0;
  for (const ch of normal) {
    const v = B64_INDEX[ch];
    if (v === undefined) return undefined;
    buffer = (buffer << 6) | v;
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out.push((buffer >> bits) & 0xff);
    }
  }
  return Uint8Array.from(out);
}

/**
 * Strict RFC 4648 §5 base64url without padding, as JWS uses it (RFC 7515 §2): only `A-Za-z0-9-_`, and
 * only the one canonical spelling (zero unused bits in the last character). Undefined on anything
 * else. Unlike fromBase64Any, a trailing `_` is data (63), never CloudFront padding.
 */
export function fromBase64UrlStrict(text: string): Uint8Array<ArrayBuffer> | undefined {
  if (!/^[A-Za-z0-9_-]*$/.test(text) || text.length % 4 === 1) return undefined;
  // Standard alphabet first, so that a final `_` (63) cannot be read as CloudFront's `_` padding.
  const standard = text.replace(/-/g, '+').replace(/_/g, '/');
  const bytes = fromBase64Any(`${standard}${'='.repeat((4 - (text.length % 4)) % 4)}`);
  return bytes && toBase64Url(bytes) === text ? bytes : undefined;
}

/** UTF-8 decode; undefined on invalid sequences (fatal decoding, like TextDecoder({ fatal: true })). */
export function utf8Decode(bytes: Uint8Array): string | undefined {
  let s = '';
  for (let i = 0; i < bytes.length; ) {
    const b = bytes[i] ?? 0;
    const len = b < 0x80 ? 1 : b >= 0xf0 && b < 0xf5 ? 4 : b >= 0xe0 ? 3 : b >= 0xc2 && b < 0xe0 ? 2 : 0;
    if (len === 0 || i + len > bytes.length) return undefined;
    let cp = len === 1 ? b : b & (0xff >> (len + 1));
    for (let k = 1; k < len; k++) {
      const c = bytes[i + k] ?? 0;
      if ((c & 0xc0) !== 0x80) return undefined;
      cp = (cp << 6) | (c & 63);
    }
    const min = [0, 0, 0x80, 0x800, 0x10000][len] ?? 0;
    if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) return undefined;
    s += String.fromCodePoint(cp);
    i += len;
  }
  return s;
}

/**
 * Compares two byte strings in time that depends only on their lengths, so an attacker cannot learn
 * how many leading bytes of a MAC they guessed right.
 */
export function timingSafeEqual(a: Uint8Array, b: Uint8Array): boolean {
  let diff = a.length ^ b.length;
  const n = Math.max(a.length, b.length);
  for (let i = 0; i < n; i++) diff |= (a[i] ?? 0) ^ (b[i] ?? 0);
  return diff === 0;
}
