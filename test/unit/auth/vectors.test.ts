/**
 * Published and independently computed vectors for the token formats' building blocks.
 * Runs on Node and in workerd (Web Crypto only, no Buffer).
 */
import { describe, expect, it } from 'vitest';
import { fromBase64Any, toBase64Url, toHex, utf8, utf8Decode } from '../../../src/core/auth/bytes.ts';
import { cannedPolicy } from '../../../src/core/auth/cloudfront.ts';
import { createEdgeAuthVerifier } from '../../../src/core/auth/edgeauth.ts';
import { md5 } from '../../../src/core/auth/md5.ts';
import { createSecureLinkVerifier, secureLinkHash } from '../../../src/core/auth/secure-link.ts';

describe('md5 (RFC 1321 §A.5 test suite)', () => {
  it.each([
    ['', 'd41d8cd98f00b204e9800998ecf8427e'],
    ['a', '0cc175b9c0f1b6a831c399e269772661'],
    ['abc', '900150983cd24fb0d6963f7d28e17f72'],
    ['message digest', 'f96b697d7cb7938d525a2f31aaf161d0'],
    ['abcdefghijklmnopqrstuvwxyz', 'c3fcd3d76192e4007dfb496cca67e13b'],
    [
      '12345678901234567890123456789012345678901234567890123456789012345678901234567890',
      '57edf4a22be3c955ac49da2e2107b67a',
    ],
  ])('md5(%j)', (input, hex) => {
    expect(toHex(md5(utf8(input)))).toBe(hex);
  });
});

describe('nginx secure_link (ngx_http_secure_link_module documentation example)', () => {
  // nginx.org: "/s/link?md5=_e4Nc3iduzkWRm01TBBNYw&expires=2147483647" restricts /s/link to 127.0.0.1
  // under secure_link_md5 "$secure_link_expires$uri$remote_addr secret".
  it('reproduces the documented hash', () => {
    const hash = secureLinkHash('$secure_link_expires$uri$remote_addr $secret', {
      expires: '2147483647',
      uri: '/s/link',
      remoteAddr: '127.0.0.1',
      secret: 'secret',
    });
    expect(hash).toBe('_e4Nc3iduzkWRm01TBBNYw');
  });

  it('verifies the documented link and refuses it from another address', async () => {
    const v = createSecureLinkVerifier({ secret: 'secret', md5 });
    const req = { path: '/s/link', url: '', now: 1_700_000_000 };
    const token = 'md5=_e4Nc3iduzkWRm01TBBNYw&expires=2147483647';
    expect((await v.verify(token, { ...req, clientIp: '127.0.0.1' })).ok).toBe(true);
    expect(await v.verify(token, { ...req, clientIp: '127.0.0.2' })).toEqual({
      ok: false,
      error: { reason: 'bad-signature' },
    });
  });
});

describe('Akamai EdgeAuth', () => {
  // HMAC computed independently: printf 'st=1700000000~exp=1700003600~acl=/vod/*' |
  //   openssl dgst -sha256 -mac HMAC -macopt hexkey:000102030405060708090a0b0c0d0e0f
  const TOKEN =
    'st=1700000000~exp=1700003600~acl=/vod/*~hmac=f53d4900e150de71ee0e65d8f97a3f122c2627b53e5f35c0c34e33e39f6da4b7';
  const v = createEdgeAuthVerifier({ key: '000102030405060708090a0b0c0d0e0f', subtle: crypto.subtle });
  const req = { path: '/vod/ts/a.ts', url: '', clientIp: undefined, now: 1_700_000_100 };

  it('verifies an openssl-computed token and maps st/exp/acl', async () => {
    expect(await v.verify(TOKEN, req)).toEqual({
      ok: true,
      value: { exp: 1700003600, nbf: 1700000000, acl: ['/vod/*'] },
    });
  });

  it('refuses a token whose acl was edited after signing', async () => {
    expect((await v.verify(TOKEN.replace('/vod/*', '/*'), req)).ok).toBe(false);
  });
});

describe('CloudFront canned policy (AWS developer guide format)', () => {
  it('is the exact whitespace-free JSON CloudFront signs', () => {
    expect(
      cannedPolicy('https://d111111abcdef8.cloudfront.net/horizon.jpg?size=large&license=yes', 1357034400),
    ).toBe(
      '{"Statement":[{"Resource":"https://d111111abcdef8.cloudfront.net/horizon.jpg?size=large&license=yes","Condition":{"DateLessThan":{"AWS:EpochTime":1357034400}}}]}',
    );
  });
});

describe('bytes', () => {
  it('round-trips base64 in the standard, url-safe and CloudFront alphabets', () => {
    const bytes = Uint8Array.from({ length: 256 }, (_, i) => i);
    const url = toBase64Url(bytes);
    expect(fromBase64Any(url)).toEqual(bytes);
    expect(fromBase64Any(url.replace(/-/g, '+').replace(/_/g, '/'))).toEqual(bytes);
    expect(fromBase64Any(url.replace(/_/g, '~'))).toEqual(bytes);
    expect(fromBase64Any('a*b')).toBeUndefined();
  });

  it('decodes UTF-8 strictly', () => {
    expect(utf8Decode(utf8('héllo €𝄞'))).toBe('héllo €𝄞');
    expect(utf8Decode(Uint8Array.from([0xc0, 0x80]))).toBeUndefined();
  });
});
