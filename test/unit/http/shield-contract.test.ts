/** The edge ↔ shield contract: the names both tiers import instead of spelling them. */
import { describe, expect, it } from 'vitest';
import * as contract from '../../../src/core/http/shield-contract.ts';

describe('shield contract', () => {
  it('serialises an error body as one JSON line with exactly code and message', () => {
    const text = contract.errorBodyText('SHIELD_ERR_NOT_FOUND', 'not found');
    expect(text.endsWith('\n')).toBe(true);
    expect(JSON.parse(text)).toEqual({ code: 'SHIELD_ERR_NOT_FOUND', message: 'not found' });
  });

  it('names lower-case header fields (HTTP/2 and the Fetch API send them so)', () => {
    for (const name of [contract.SHIELD_AUTH_HEADER, contract.X_CACHE]) expect(name).toBe(name.toLowerCase());
    expect(contract.CACHE_STATUSES).toEqual(['HIT', 'MISS', 'STALE', 'COALESCED', 'BYPASS']);
  });
});
