/**
 * One token string per signed message: ECDSA high-S twins, base64url spellings that differ only in the
 * last character's unused bits, and multi-field tokens with repeated or reordered fields are refused,
 * although each one carries a signature the crypto alone would accept. Runs on Node and in workerd.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { fromBase64Any, fromBase64UrlStrict, toBase64Url, utf8 } from '../../../src/core/auth/bytes.ts';
import { createCloudFrontVerifier, signCloudFront } from '../../../src/core/auth/cloudfront.ts';
import { generateCloudFrontKeyPair } from '../../../src/core/auth/cloudfront-keys.ts';
import { checkJwsCanonical, toLowS } from '../../../src/core/auth/jws-canonical.ts';
import { signJwt } from '../../../src/core/auth/jwt-sign.ts';
import { md5 } from '../../../src/core/auth/md5.ts';
import { buildFields, parseFields } from '../../../src/core/auth/query-string.ts';
import { createSecureLinkVerifier, signSecureLink } from '../../../src/core/auth/secure-link.ts';
import type { TokenVerifier } from '../../../src/core/auth/types.ts';
import { createJwtVerifier } from '../../../src/edge/auth/jwt-verifier.ts';
import { type TenantKey, verifyTenantJwt } from '../../../src/edge/control/tenant-jwt.ts';
import { makeKey, NOW, REQ, type TestKeyPair } from './test-keys.ts';

const B64URL = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';

/** The same bytes spelled with the last character's unused low bit set (RFC 4648 §3.5). */
function strayBits(segment: string): string {
  const last = B64URL.indexOf(segment.at(-1) ?? 'A');
  return `${segment.slice(0, -1)}${B64URL[last | 1]}`;
}

/** The high-S twin of a low-S R‖S signature: S → n − S (BigInt here, independent of toLowS). */
function highTwin(alg: string, signature: Uint8Array<ArrayBuffer>): Uint8Array<ArrayBuffer> {
  if (toLowS(alg, signature) !== signature) throw new Error('expected a low-S signature');
  const half = signature.length / 2;
  const s = BigInt(`0x${hex(signature.subarray(half))}`);
  const out = new Uint8Array(signature);
  out.set(bytesOf(orderOf(alg) - s, half), half);
  return out;
}

const ORDERS: Record<string, bigint> = {
  ES256: 0xffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632551n,
  ES384: 0xffffffffffffffffffffffffffffffffffffffffffffffffc7634d81f4372ddf581a0db248b0a77aecec196accc52973n,
  ES512:
    0x01fffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffa51868783bf2f966b7fcc0148f709a5d03bb5c9b8899c47aebb6fb71e91386409n,
};

function orderOf(alg: string): bigint {
  const n = ORDERS[alg];
  if (n === undefined) throw new Error(`no order for ${alg}`);
  return n;
}

function hex(bytes: Uint8Array): string {
  return [...bytes].map((b) => b.toString(16).padStart(2, '0')).join('');
}

function bytesOf(value: bigint, size: number): Uint8Array {
  return Uint8Array.from(
    value
      .toString(16)
      .padStart(size * 2, '0')
      .match(/../g) ?? [],
    (h) => Number.parseInt(h, 16),
  );
}

function jwtVerifier(key: TestKeyPair, alg: 'ES256' | 'HS256'): TokenVerifier {
  return createJwtVerifier({
    jwks: { keys: [key.publicJwk] },
    algorithms: [alg],
    refreshS: 30,
    cacheMaxAgeS: 600,
  });
}

function withSignature(token: string, signature: Uint8Array): string {
  return `${token.slice(0, token.lastIndexOf('.'))}.${toBase64Url(signature)}`;
}

describe('JWS: ECDSA low-S only', () => {
  let es: TestKeyPair;
  beforeAll(async () => {
    es = await makeKey('ES256', 'es');
  });

  it('refuses the high-S twin of a valid ES256 signature, which Web Crypto itself verifies', async () => {
    const token = await signJwt(crypto.subtle, es.signing, { exp: NOW + 60 });
    const signature = fromBase64Any(token.split('.')[2] ?? '') ?? new Uint8Array();
    const twin = highTwin('ES256', signature);
    const { alg: _alg, kid: _kid, ...jwk } = es.publicJwk;
    const publicKey = await crypto.subtle.importKey(
      'jwk',
      jwk as JsonWebKey,
      { name: 'ECDSA', namedCurve: 'P-256' },
      false,
      ['verify'],
    );
    const input = utf8(token.slice(0, token.lastIndexOf('.')));
    expect(await crypto.subtle.verify({ name: 'ECDSA', hash: 'SHA-256' }, publicKey, twin, input)).toBe(true);
    const v = jwtVerifier(es, 'ES256');
    expect((await v.verify(token, REQ)).ok).toBe(true);
    expect(await v.verify(withSignature(token, twin), REQ)).toEqual({
      ok: false,
      error: { reason: 'bad-signature' },
    });
  });

  it('refuses the high-S twin of a tenant-signed ES256 token (control store keys), and an over-long one', async () => {
    const key: TenantKey = {
      kid: 'es',
      tenant: 't1',
      alg: 'ES256',
      state: 'active',
      publicJwk: es.publicJwk,
    };
    const verify = (token: string) =>
      verifyTenantJwt(token, (kid) => (kid === 'es' ? key : undefined), new Map());
    const token = await signJwt(crypto.subtle, es.signing, { exp: NOW + 60, acl: ['/t1/'] });
    expect((await verify(token)).ok).toBe(true);
    const twin = highTwin('ES256', fromBase64Any(token.split('.')[2] ?? '') ?? new Uint8Array());
    expect(await verify(withSignature(token, twin))).toEqual({
      ok: false,
      error: { reason: 'bad-signature', kid: 'es' },
    });
    const long = await signJwt(crypto.subtle, es.signing, { exp: NOW + 60, pad: 'x'.repeat(9000) });
    expect(await verify(long)).toEqual({ ok: false, error: { reason: 'malformed', detail: 'too long' } });
  });

  it('signs low-S every time, whichever S Web Crypto drew', async () => {
    // 40 draws: without folding, all 40 landing low has probability 2^-40.
    for (let i = 0; i < 40; i++) {
      const token = await signJwt(crypto.subtle, es.signing, { exp: NOW + 60, i });
      expect(checkJwsCanonical(token)).toEqual({ ok: true, value: undefined });
    }
  });

  it.each([
    ['ES384', 'P-384', 'SHA-384'],
    ['ES512', 'P-521', 'SHA-512'],
  ] as const)('folds and refuses high-S for %s with the curve order of %s', async (alg, namedCurve, hash) => {
    const pair = (await crypto.subtle.generateKey({ name: 'ECDSA', namedCurve }, false, [
      'sign',
      'verify',
    ])) as CryptoKeyPair;
    const header = toBase64Url(utf8(JSON.stringify({ alg })));
    const input = `${header}.${toBase64Url(utf8('{"exp":1}'))}`;
    for (let i = 0; i < 8; i++) {
      const raw = new Uint8Array(
        await crypto.subtle.sign({ name: 'ECDSA', hash }, pair.privateKey, utf8(`${input}${i}`)),
      );
      const low = toLowS(alg, raw);
      // The folded signature is still valid: the byte arithmetic computed n − S correctly.
      expect(
        await crypto.subtle.verify({ name: 'ECDSA', hash }, pair.publicKey, low, utf8(`${input}${i}`)),
      ).toBe(true);
      expect(
        checkJwsCanonical(`${input}.${toBase64Url(low)}`),
        `${raw.length} ${raw[raw.length / 2]}`,
      ).toEqual({ ok: true, value: undefined });
      expect(checkJwsCanonical(`${input}.${toBase64Url(highTwin(alg, low))}`)).toEqual({
        ok: false,
        error: { reason: 'bad-signature' },
      });
    }
  });

  it('EdDSA needs no check of ours: the runtime itself refuses S + L (RFC 8032 §5.1.7)', async () => {
    const L = 2n ** 252n + 27742317777372353535851937790883648493n;
    const pair = (await crypto.subtle.generateKey({ name: 'Ed25519' }, false, [
      'sign',
      'verify',
    ])) as CryptoKeyPair;
    const message = utf8('edgeshield');
    const signature = new Uint8Array(await crypto.subtle.sign({ name: 'Ed25519' }, pair.privateKey, message));
    // S is little-endian in the second half.
    const s = BigInt(`0x${hex(signature.slice(32).reverse())}`);
    const twin = new Uint8Array(signature);
    twin.set(bytesOf(s + L, 32).reverse(), 32);
    expect(await crypto.subtle.verify({ name: 'Ed25519' }, pair.publicKey, signature, message)).toBe(true);
    expect(await crypto.subtle.verify({ name: 'Ed25519' }, pair.publicKey, twin, message)).toBe(false);
  });

  it('refuses an ECDSA signature of the wrong length for its curve', () => {
    const header = toBase64Url(utf8('{"alg":"ES256"}'));
    expect(checkJwsCanonical(`${header}.e30.${toBase64Url(new Uint8Array(65))}`).ok).toBe(false);
  });
});

describe('JWS: canonical base64url', () => {
  it('reads a final `_` as data (63), not as padding, and refuses padding and stray bits', () => {
    expect(fromBase64UrlStrict('____')).toEqual(new Uint8Array([255, 255, 255]));
    expect(fromBase64UrlStrict('AP8_')).toEqual(new Uint8Array([0, 255, 63]));
    for (const bad of ['AA==', 'AB', 'A', 'AA~A', 'AA+/'])
      expect(fromBase64UrlStrict(bad), bad).toBeUndefined();
    expect(fromBase64UrlStrict('AA')).toEqual(new Uint8Array([0]));
  });

  it.each(['ES256', 'HS256'] as const)(
    'refuses a %s signature spelled with stray unused bits in its last character',
    async (alg) => {
      const key = await makeKey(alg, 'b');
      const token = await signJwt(crypto.subtle, key.signing, { exp: NOW + 60 });
      const signature = token.split('.')[2] ?? '';
      const stray = `${token.slice(0, token.lastIndexOf('.'))}.${strayBits(signature)}`;
      // Same bytes, so jose alone would accept it: only the spelling differs.
      expect(fromBase64Any(strayBits(signature))).toEqual(fromBase64Any(signature));
      expect(stray).not.toBe(token);
      const v = jwtVerifier(key, alg);
      expect((await v.verify(token, REQ)).ok).toBe(true);
      expect((await v.verify(stray, REQ)).ok).toBe(false);
    },
  );

  it('refuses header and payload segments with stray unused bits', () => {
    // 16 and 10 bytes: each segment's last character carries 4 unused bits.
    const header = toBase64Url(utf8('{"alg":"HS256" }'));
    const payload = toBase64Url(utf8('{"exp":12}'));
    const sig = toBase64Url(new Uint8Array(32));
    expect(checkJwsCanonical(`${header}.${payload}.${sig}`).ok).toBe(true);
    const refused = { ok: false, error: { reason: 'malformed', detail: 'non-canonical base64url' } };
    expect(checkJwsCanonical(`${strayBits(header)}.${payload}.${sig}`)).toEqual(refused);
    expect(checkJwsCanonical(`${header}.${strayBits(payload)}.${sig}`)).toEqual(refused);
  });
});

describe('multi-field tokens: one spelling', () => {
  it('CloudFront: refuses repeated, reordered and doubled Expires/Policy fields', async () => {
    const keys = await generateCloudFrontKeyPair(crypto.subtle, 1024);
    const v = createCloudFrontVerifier({ keys: { KC: keys.publicPem }, subtle: crypto.subtle });
    const t = await signCloudFront(crypto.subtle, {
      keyPairId: 'KC',
      privateKeyPem: keys.privatePem,
      resource: REQ.url,
      exp: NOW + 60,
    });
    expect((await v.verify(t, REQ)).ok).toBe(true);
    const f = [...(parseFields(t) ?? [])];
    const [expires, signature, keyPair] = f as [[string, string], [string, string], [string, string]];
    const spellings = [
      buildFields([signature, expires, keyPair]),
      buildFields([expires, keyPair, signature]),
      buildFields([expires, signature, signature, keyPair]),
      buildFields([expires, signature, ['Signature', 'AAAA'], keyPair]),
      buildFields([expires, ['Policy', 'e30_'], signature, keyPair]),
      `${t}&Extra=1`,
    ];
    for (const s of spellings) expect((await v.verify(s, REQ)).ok, s.slice(0, 40)).toBe(false);
  });

  it('secure_link: refuses expires before md5 and a repeated md5', async () => {
    const v = createSecureLinkVerifier({ secret: 's', md5 });
    const t = signSecureLink({ secret: 's', path: REQ.path, exp: NOW + 60, remoteAddr: REQ.clientIp });
    expect((await v.verify(t, REQ)).ok).toBe(true);
    const [md5Field, expires] = [...(parseFields(t) ?? [])] as [[string, string], [string, string]];
    for (const s of [
      buildFields([expires, md5Field]),
      buildFields([md5Field, md5Field, expires]),
      `${t}&x=1`,
    ])
      expect((await v.verify(s, REQ)).ok, s).toBe(false);
  });
});
