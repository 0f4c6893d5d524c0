/**
 * Property/fuzz test: thousands of random and mutated tokens against every verifier. None may throw
 * and none may be accepted. Seeded PRNG so a failure is reproducible; bounded count so it stays fast.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { createRandom } from '../../../bench/lib/prng.ts';
import { createCloudFrontVerifier, signCloudFront } from '../../../src/core/auth/cloudfront.ts';
import { generateCloudFrontKeyPair } from '../../../src/core/auth/cloudfront-keys.ts';
import { createEdgeAuthVerifier, signEdgeAuth } from '../../../src/core/auth/edgeauth.ts';
import { signJwt } from '../../../src/core/auth/jwt-sign.ts';
import { createSecureLinkVerifier, signSecureLink } from '../../../src/core/auth/secure-link.ts';
import type { TokenVerifier } from '../../../src/core/auth/types.ts';
import { createJwtVerifier } from '../../../src/edge/auth/jwt-verifier.ts';
import { makeKey, NOW, REQ } from './test-keys.ts';

const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_.~=&%+/!*:"{}[] \u0000é😀';
const ROUNDS = 1500;

/** Random strings, then valid tokens with flipped, inserted, deleted and truncated characters. */
function* candidates(valid: string, rand: () => number): Generator<string> {
  const pick = () => ALPHABET[Math.floor(rand() * ALPHABET.length)] ?? 'a';
  for (let i = 0; i < ROUNDS; i++) {
    const mode = i % 5;
    if (mode === 0) {
      const len = Math.floor(rand() ** 3 * 12_000);
      yield Array.from({ length: Math.min(len, 400) }, pick)
        .join('')
        .repeat(Math.max(1, Math.floor(len / 400)));
      continue;
    }
    const chars = [...valid];
    const at = Math.floor(rand() * chars.length);
    if (mode === 1) chars[at] = pick();
    else if (mode === 2) chars.splice(at, 0, pick());
    else if (mode === 3) chars.splice(at, 1);
    else chars.length = at;
    const mutated = chars.join('');
    if (mutated !== valid) yield mutated;
  }
}

const verifiers: { name: string; verifier: TokenVerifier; valid: string }[] = [];

beforeAll(async () => {
  const es = await makeKey('ES256', 'f');
  verifiers.push({
    name: 'jwt',
    verifier: createJwtVerifier({
      jwks: { keys: [es.publicJwk] },
      algorithms: ['ES256'],
      refreshS: 30,
      cacheMaxAgeS: 600,
    }),
    valid: await signJwt(crypto.subtle, es.signing, { exp: NOW + 60, acl: ['/vod/'] }),
  });
  const eaKey = '0f'.repeat(16);
  verifiers.push({
    name: 'edgeauth',
    verifier: createEdgeAuthVerifier({ key: eaKey, subtle: crypto.subtle }),
    valid: await signEdgeAuth(crypto.subtle, { key: eaKey, exp: NOW + 60, acl: ['/vod/*'] }),
  });
  verifiers.push({
    name: 'securelink',
    verifier: createSecureLinkVerifier({ secret: 'fuzz-secret' }),
    valid: signSecureLink({ secret: 'fuzz-secret', path: REQ.path, exp: NOW + 60, remoteAddr: REQ.clientIp }),
  });
  const rsa = await generateCloudFrontKeyPair(crypto.subtle, 1024);
  verifiers.push({
    name: 'cloudfront',
    verifier: createCloudFrontVerifier({ keys: { KF: rsa.publicPem }, subtle: crypto.subtle }),
    valid: await signCloudFront(crypto.subtle, {
      keyPairId: 'KF',
      privateKeyPem: rsa.privatePem,
      resource: 'https://e.example/vod/*',
      exp: NOW + 60,
    }),
  });
});

describe('fuzzing every verifier', () => {
  it.each(['jwt', 'edgeauth', 'securelink', 'cloudfront'])(
    '%s: the valid token passes, no mutation throws or passes',
    async (name) => {
      const entry = verifiers.find((v) => v.name === name);
      if (!entry) throw new Error(`no verifier ${name}`);
      expect((await entry.verifier.verify(entry.valid, REQ)).ok).toBe(true);
      const rand = createRandom(name.length * 7919);
      let tried = 0;
      for (const token of candidates(entry.valid, rand)) {
        const result = await entry.verifier.verify(token, REQ);
        if (result.ok)
          throw new Error(
            `${name} accepted a mutated token: ${JSON.stringify(token.length > 300 ? `${token.slice(0, 100)}…${token.slice(-200)}` : token)}`,
          );
        tried++;
      }
      expect(tried).toBeGreaterThan(ROUNDS * 0.9);
    },
  );
});
