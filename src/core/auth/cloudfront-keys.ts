/**
 * CloudFront signing key pairs made with Web Crypto: RSASSA-PKCS1-v1_5 with SHA-1 (the scheme
 * CloudFront signed URLs use), exported as PEM. For dev keys and tests. Pure apart from the crypto
 * calls it is handed: no I/O, and it keeps no key.
 */
import { toBase64 } from './bytes.ts';

/**
 * The slice of Web Crypto key generation needs, typed structurally (as `SubtleLike` in subtle.ts) so
 * src/core compiles without DOM types; `crypto.subtle` satisfies it.
 */
export interface KeyGenSubtle {
  generateKey(...args: never[]): Promise<unknown>;
  exportKey(...args: never[]): Promise<unknown>;
}

export interface CloudFrontKeyPair {
  /** PKCS#8 PEM (`signCloudFront`'s `privateKeyPem`). */
  readonly privatePem: string;
  /** SPKI PEM (a value of `createCloudFrontVerifier`'s `keys`). */
  readonly publicPem: string;
}

type GenerateKey = (
  algorithm: {
    readonly name: string;
    readonly modulusLength: number;
    readonly publicExponent: Uint8Array;
    readonly hash: string;
  },
  extractable: boolean,
  usages: ('sign' | 'verify')[],
) => Promise<{ readonly privateKey: unknown; readonly publicKey: unknown }>;
type ExportKey = (format: 'pkcs8' | 'spki', key: unknown) => Promise<ArrayBuffer>;

/**
 * A fresh extractable key pair as PEMs. `modulusLength` below 2048 only to keep tests fast.
 *
 * @example const { privatePem, publicPem } = await generateCloudFrontKeyPair(crypto.subtle);
 */
export async function generateCloudFrontKeyPair(
  subtle: KeyGenSubtle,
  modulusLength = 2048,
): Promise<CloudFrontKeyPair> {
  // The loose declarations above exist only to accept every runtime's overloads; these are the real shapes.
  const generateKey = subtle.generateKey as unknown as GenerateKey;
  const exportKey = subtle.exportKey as unknown as ExportKey;
  const pair = await generateKey.call(
    subtle,
    { name: 'RSASSA-PKCS1-v1_5', modulusLength, publicExponent: new Uint8Array([1, 0, 1]), hash: 'SHA-1' },
    true,
    ['sign', 'verify'],
  );
  return {
    privatePem: derToPem('PRIVATE KEY', await exportKey.call(subtle, 'pkcs8', pair.privateKey)),
    publicPem: derToPem('PUBLIC KEY', await exportKey.call(subtle, 'spki', pair.publicKey)),
  };
}

/**
 * RFC 7468 §2 textual encoding: base64 in 64-character lines between BEGIN and END labels.
 *
 * @example derToPem('PUBLIC KEY', spki) // '-----BEGIN PUBLIC KEY-----\nMIIB…\n-----END PUBLIC KEY-----\n'
 */
export function derToPem(label: string, der: ArrayBuffer): string {
  const b64 = toBase64(new Uint8Array(der)).replace(/.{64}/g, '$&\n');
  return `-----BEGIN ${label}-----\n${b64.trimEnd()}\n-----END ${label}-----\n`;
}
