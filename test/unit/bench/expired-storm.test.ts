/** expired-storm's per-burst accounting of edge → shield fetches from the viewers' x-cache values. */
import { describe, expect, it } from 'vitest';
import { edgeFetchesOf } from '../../../bench/scenarios/expired-storm.ts';

describe('expired-storm edge fetches per burst', () => {
  it('counts one fetch for a coalesced miss storm', () => {
    expect(edgeFetchesOf(['MISS', ...Array<string>(199).fill('COALESCED')])).toBe(1);
  });
  it('counts STALE answers as one shared background refresh', () => {
    expect(edgeFetchesOf([...Array<string>(120).fill('STALE'), ...Array<string>(80).fill('HIT')])).toBe(1);
  });
  it('counts every uncoalesced miss: the herd the scenario exists to catch', () => {
    expect(edgeFetchesOf(['MISS', 'MISS', 'MISS', 'HIT', undefined])).toBe(3);
  });
  it('counts nothing for an all-HIT burst (released before expiry)', () => {
    expect(edgeFetchesOf(['HIT', 'HIT'])).toBe(0);
  });
});
