/**
 * Property/fuzz test: thousands of random and mutated tokens against every verifier. None may throw
 * and none may be accepted. Seeded PRNG so a failure is reproducible; bounded count so it stays fast.
 * The generator and targets are the adversarial suite's (test/adversarial/tokens.ts), at unit scale.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { createRandom } from '../../../bench/lib/prng.ts';
import { type FuzzTarget, mutatedTokens, TOKEN_REQUEST, tokenTargets } from '../../adversarial/tokens.ts';

const ROUNDS = 1500;
let targets: readonly FuzzTarget[] = [];

beforeAll(async () => {
  targets = (await tokenTargets()).targets;
});

describe('fuzzing every verifier', () => {
  it.each(['jwt', 'edgeauth', 'securelink', 'cloudfront'])(
    '%s: the valid token passes, no mutation throws or passes',
    async (name) => {
      const entry = targets.find((v) => v.format === name);
      if (!entry) throw new Error(`no verifier ${name}`);
      expect((await entry.verifier.verify(entry.valid, TOKEN_REQUEST)).ok).toBe(true);
      const rand = createRandom(name.length * 7919);
      let tried = 0;
      for (const token of mutatedTokens(entry.valid, rand, ROUNDS)) {
        const result = await entry.verifier.verify(token, TOKEN_REQUEST);
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
