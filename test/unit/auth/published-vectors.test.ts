/**
 * Token vectors published by others (inputs and expected outputs), checked against our own verifiers
 * and signers, plus tests that pin a documented format where the source gives no expected output.
 * Runs on Node and in workerd (Web Crypto only).
 *
 * Sources:
 * - Akamai EdgeAuth: akamai/EdgeAuth-Token-Node, test/test_data.json ("atk1"…"atk8": key, start,
 *   window/end, acl or url, id, ip, data → expected `__token__` value). HMACs re-checked with openssl.
 * - CloudFront canned policy: huggingface/dataset-viewer libcommon tests (Python `cryptography`), which
 *   sign the AWS developer guide's example (URL https://d111111abcdef8.cloudfront.net/image.jpg,
 *   Key-Pair-Id K2JCJMDEHXQW5F, 2013-01-01T10:00:00Z = 1357034400) with a published test-only key.
 *   The public half below was derived from it with `openssl rsa -pubout`.
 * - CloudFront URL format and `+`→`-`, `=`→`_`, `/`→`~`: AWS CloudFront Developer Guide, "Create a
 *   signed URL using a canned policy" (its example signature is redacted, so format only).
 */
import { describe, expect, it } from 'vitest';
import {
  cannedPolicy,
  cloudFrontBase64,
  createCloudFrontVerifier,
  signCloudFront,
} from '../../../src/core/auth/cloudfront.ts';
import { createEdgeAuthVerifier, signEdgeAuth } from '../../../src/core/auth/edgeauth.ts';

describe('Akamai EdgeAuth (EdgeAuth-Token-Node test_data.json)', () => {
  const KEY = '7a5c2be9f42a1f32cd889d1cf775f05d0cd162bd2871d00fe705ab28c9bba5a5';
  const v = createEdgeAuthVerifier({ key: KEY, subtle: crypto.subtle });
  const at = (path: string) => ({ path, url: '', clientIp: undefined, now: 1492404013 });

  // name, token (without the "_token_=" name), path requested, claims expected
  const VECTORS = [
    [
      'atk1 acl /*, no window',
      'st=1492404013~exp=1492404013~acl=/*~hmac=a77d3cd18e2a08adbc45f844203bb88a9d5057a4e465551b6861f98fb6fecbec',
      '/any/thing',
      { exp: 1492404013, nbf: 1492404013, acl: ['/*'] },
    ],
    [
      'atk2 acl /*, window 604800',
      'st=1492404013~exp=1493008813~acl=/*~hmac=57cef6aa3c30939b3f599ee7b1bda3bd63c58937ff713d605d5139e449e09a3c',
      '/any/thing',
      { exp: 1493008813, nbf: 1492404013, acl: ['/*'] },
    ],
    [
      'atk3 two ACLs',
      'st=1492404013~exp=1493008813~acl=/path1!/path2~hmac=17f163a7cb8d38e2bb97849375674758cc47a5937764c4b2e82678f23cee6380',
      '/path2',
      { exp: 1493008813, nbf: 1492404013, acl: ['/path1', '/path2'] },
    ],
    [
      'atk4 two ACLs, end time',
      'st=1492404013~exp=1492405000~acl=/path1!/path2~hmac=918aa0dbc9a471967c4996b66e9c7e32b75f9784e4cec520fb45c4c1a56f8253',
      '/path1',
      { exp: 1492405000, nbf: 1492404013, acl: ['/path1', '/path2'] },
    ],
    [
      'atk5 URL mode',
      'st=1492404013~exp=1492405000~hmac=637d42fd0739315be4129508f9d3cbeba15c7ab561d767844f1fd468c4fb0694',
      '/target/url',
      { exp: 1492405000, nbf: 1492404013, acl: ['/target/url'] },
    ],
    [
      'atk6 URL mode with session id',
      'st=1492404013~exp=1492405000~id=MY_SESSION_ID_E1905##~hmac=e0db8fcd7b5f59adfe23dd3417c524ff31a6b6d0dd9a22d56bab675fb62608b7',
      '/target/url',
      { exp: 1492405000, nbf: 1492404013, acl: ['/target/url'], sid: 'MY_SESSION_ID_E1905##' },
    ],
    [
      'atk7 URL mode with ip and session id',
      'ip=192.168.0.1~st=1492404013~exp=1492405000~id=MY_SESSION_ID_E1905##~hmac=03ff877afaf13c6dd58ee320d6f61da0772b9149072558f9dc5439f482ddcedd',
      '/target/url',
      {
        exp: 1492405000,
        nbf: 1492404013,
        acl: ['/target/url'],
        ip: '192.168.0.1',
        sid: 'MY_SESSION_ID_E1905##',
      },
    ],
    [
      'atk8 URL mode with ip, id and data',
      'ip=192.168.0.1~st=1492404013~exp=1492405000~id=MY_SESSION_ID_E1905##~data=goodjoon~hmac=8dcd3d6b2c56ca712b04dfa31373d5a7d71bae2b8ed9c67fe7c9ad459c0ef7dc',
      '/target/url',
      {
        exp: 1492405000,
        nbf: 1492404013,
        acl: ['/target/url'],
        ip: '192.168.0.1',
        sid: 'MY_SESSION_ID_E1905##',
      },
    ],
  ] as const;

  it.each(VECTORS)('verifies %s and maps its fields', async (_name, token, path, claims) => {
    expect(await v.verify(token, at(path))).toEqual({ ok: true, value: claims });
  });

  it('refuses the URL-mode vector on any other path (the path is inside the HMAC)', async () => {
    const [, token] = VECTORS[4];
    expect(await v.verify(token, at('/target/other'))).toEqual({
      ok: false,
      error: { reason: 'bad-signature' },
    });
  });

  it('refuses every vector under another key', async () => {
    const other = createEdgeAuthVerifier({ key: KEY.replace(/^7a/, '7b'), subtle: crypto.subtle });
    for (const [, token, path] of VECTORS) expect((await other.verify(token, at(path))).ok).toBe(false);
  });

  it.each([
    [VECTORS[0][1], { st: 1492404013, exp: 1492404013, acl: ['/*'] }],
    [VECTORS[1][1], { st: 1492404013, exp: 1493008813, acl: ['/*'] }],
    [VECTORS[2][1], { st: 1492404013, exp: 1493008813, acl: ['/path1', '/path2'] }],
    [VECTORS[3][1], { st: 1492404013, exp: 1492405000, acl: ['/path1', '/path2'] }],
  ])('our signer reproduces %s', async (expected, o) => {
    expect(await signEdgeAuth(crypto.subtle, { key: KEY, ...o })).toBe(expected);
  });

  it('does not accept the salted variant (atk9: salt is not supported, documented)', async () => {
    const salted =
      'ip=192.168.0.1~st=1492404013~exp=1492405000~id=MY_SESSION_ID_E1905##~data=goodjoon~hmac=4852b47e438c4474c14971d54ac81ce677a58b8870cc6ad1e2f9ca0ecac991c3';
    expect(await v.verify(salted, at('/target/url'))).toEqual({
      ok: false,
      error: { reason: 'bad-signature' },
    });
  });
});

describe('CloudFront canned policy (AWS guide example, signed by huggingface/dataset-viewer tests)', () => {
  const URL_ = 'https://d111111abcdef8.cloudfront.net/image.jpg';
  const EXPIRES = 1357034400; // 2013-01-01T10:00:00Z, the AWS guide's example expiry
  const SIGNATURE =
    'JvFbQI~xSRStWOmvHk88XeE4tJ5zGFJN62eY6FK0JH7aLCmvvWmsbLXuhMsT8QZ1frCFsZfv4dJLPlqZXj7Mjw__';
  const TOKEN = `Expires=${EXPIRES}&Signature=${SIGNATURE}&Key-Pair-Id=K2JCJMDEHXQW5F`;
  // Published test-only key (512-bit; too small for production, fine for a vector).
  const PUBLIC = `-----BEGIN PUBLIC KEY-----
MFswDQYJKoZIhvcNAQEBBQADSgAwRwJAZTmplhS/Jd73ycVut7TglMObheQqXM7R
ZYlwazLU4wpfIVIwOh9IsCZGSgLyFq42KWIikKLEs/yqx3pRGfq+rwIDAQAB
-----END PUBLIC KEY-----`;
  const PRIVATE = `-----BEGIN PRIVATE KEY-----
MIIBUwIBADANBgkqhkiG9w0BAQEFAASCAT0wggE5AgEAAkBlOamWFL8l3vfJxW63
tOCUw5uF5CpcztFliXBrMtTjCl8hUjA6H0iwJkZKAvIWrjYpYiKQosSz/KrHelEZ
+r6vAgMBAAECQAzIX1YIgKrzoS7ls7mXKdUfboBV89OMenzsAjpHTQLun2fyE78O
Edoelzcic5KxezD13aGbPfuPDAEWLAwcwyECIQC1u20eUg77I7b2hfDg/r7I7XWU
zLVSlPWw9VOdH1NdtQIhAI6Xtm7LLZlj1lakOFb3XH/Xi5eOctc/KmBj1tx+CAlT
AiEAlAbUvOvONBZFQ8yaBkq6EGQLcGbGEzwuXDOYJdWMTDkCIDsmcAURv36rzZPv
V3er8PEPRta9vqHPkBKgF9craMYFAiBtpCmHhOTpQm6PXGAo2zvk+Tekba2PwBCK
4GTeXra9FQ==
-----END PRIVATE KEY-----`;
  const v = createCloudFrontVerifier({ keys: { K2JCJMDEHXQW5F: PUBLIC }, subtle: crypto.subtle });
  const req = (url: string) => ({ path: '/image.jpg', url, clientIp: undefined, now: EXPIRES - 3600 });
  // workerd (BoringSSL) refuses RSA keys under 1024 bits at import; Node's OpenSSL accepts this one.
  const workerd =
    (globalThis as { navigator?: { userAgent?: string } }).navigator?.userAgent === 'Cloudflare-Workers';

  it('verifies the published signed URL where the runtime accepts its 512-bit key, and refuses it cleanly where not', async () => {
    const result = await v.verify(TOKEN, req(URL_));
    if (workerd) expect(result).toEqual({ ok: false, error: { reason: 'bad-signature' } });
    else expect(result).toEqual({ ok: true, value: { exp: EXPIRES } });
  });

  it('refuses it for another resource or another expiry', async () => {
    expect((await v.verify(TOKEN, req(`${URL_}?size=large`))).ok).toBe(false);
    expect((await v.verify(TOKEN.replace(String(EXPIRES), String(EXPIRES + 1)), req(URL_))).ok).toBe(false);
  });

  it('our signer reproduces the published signature (RSA-SHA1 PKCS#1 v1.5 is deterministic) where the runtime can import the key', async () => {
    const signing = signCloudFront(crypto.subtle, {
      keyPairId: 'K2JCJMDEHXQW5F',
      privateKeyPem: PRIVATE,
      resource: URL_,
      exp: EXPIRES,
    });
    if (workerd) await expect(signing).rejects.toThrow();
    else expect(await signing).toBe(TOKEN);
  });
});

describe('CloudFront documented format (AWS developer guide; no expected outputs published)', () => {
  it('replaces + with -, = with _ and / with ~ in base64', () => {
    // 0xfb 0xff → standard base64 "+/8=" uses all three characters CloudFront replaces.
    expect(cloudFrontBase64(Uint8Array.from([0xfb, 0xff]))).toBe('-~8_');
  });

  it('signs the base URL including its own query string, then Expires, Signature, Key-Pair-Id', () => {
    // Guide: the canned policy's Resource is the base URL "including your own query string parameters".
    expect(
      cannedPolicy('https://d111111abcdef8.cloudfront.net/image.jpg?color=red&size=medium', 1357034400),
    ).toBe(
      '{"Statement":[{"Resource":"https://d111111abcdef8.cloudfront.net/image.jpg?color=red&size=medium","Condition":{"DateLessThan":{"AWS:EpochTime":1357034400}}}]}',
    );
  });
});
