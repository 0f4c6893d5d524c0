/**
 * The slice of Web Crypto (`crypto.subtle`) token formats need, typed structurally so src/core compiles
 * without DOM types. Callers pass `crypto.subtle` (workerd, Node 22, browsers); core never reaches for
 * a global. Pure apart from the crypto calls it is handed.
 */

/** Algorithm parameters as Web Crypto takes them (`{ name: 'HMAC', hash: 'SHA-256' }` …). */
export interface AlgorithmParams {
  readonly name: string;
  readonly hash?: string;
  readonly namedCurve?: string;
}

/**
 * Structural `SubtleCrypto`: any real `crypto.subtle` satisfies it. `importKey` is declared loosely
 * because DOM and workers-types declare its overloads differently; `importKey` below is the typed
 * way to call it.
 */
export interface SubtleLike {
  importKey(...args: never[]): Promise<unknown>;
  /** workerd also digests 'MD5' (non-standard; Node does not): the edge's nginx secure_link verifier. */
  digest(algorithm: string, data: Uint8Array<ArrayBuffer>): Promise<ArrayBuffer>;
  sign(algorithm: AlgorithmParams, key: unknown, data: Uint8Array<ArrayBuffer>): Promise<ArrayBuffer>;
  verify(
    algorithm: AlgorithmParams,
    key: unknown,
    signature: Uint8Array<ArrayBuffer>,
    data: Uint8Array<ArrayBuffer>,
  ): Promise<boolean>;
}

type ImportKey = (
  format: 'raw' | 'spki' | 'pkcs8' | 'jwk',
  keyData: Uint8Array | { readonly kty: string },
  algorithm: AlgorithmParams,
  extractable: boolean,
  usages: ('sign' | 'verify')[],
) => Promise<unknown>;

/** Web Crypto importKey with the argument types every runtime accepts. */
export function importKey(
  subtle: SubtleLike,
  format: 'raw' | 'spki' | 'pkcs8' | 'jwk',
  keyData: Uint8Array | { readonly kty: string },
  algorithm: AlgorithmParams,
  usages: ('sign' | 'verify')[],
): Promise<unknown> {
  // The loose declaration above exists only to accept every runtime's overloads; this is the real shape.
  const fn = subtle.importKey as unknown as ImportKey;
  return fn.call(subtle, format, keyData, algorithm, false, usages);
}

const HMAC_SHA256: AlgorithmParams = { name: 'HMAC', hash: 'SHA-256' };

/** HMAC-SHA256 of `data` under raw `key`. */
export async function hmacSha256(
  subtle: SubtleLike,
  key: Uint8Array<ArrayBuffer>,
  data: Uint8Array<ArrayBuffer>,
): Promise<Uint8Array<ArrayBuffer>> {
  const k = await importKey(subtle, 'raw', key, HMAC_SHA256, ['sign']);
  return new Uint8Array(await subtle.sign(HMAC_SHA256, k, data));
}

/** DER bytes inside a PEM block (`-----BEGIN …-----`), or undefined. */
export function pemToDer(
  pem: string,
  decode: (b64: string) => Uint8Array<ArrayBuffer> | undefined,
): Uint8Array<ArrayBuffer> | undefined {
  const m = /-----BEGIN [A-Z ]+-----([\s\S]*?)-----END [A-Z ]+-----/.exec(pem);
  return m?.[1] === undefined ? undefined : decode(m[1].replace(/\s+/g, ''));
}
