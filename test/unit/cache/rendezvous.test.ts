import { describe, expect, it } from 'vitest';
import { rendezvousOrder, rendezvousOwner } from '../../../src/core/cache/rendezvous.ts';

const shields = (n: number) => Array.from({ length: n }, (_, i) => `http://shield-${i}.example:8081`);
const keys = Array.from({ length: 4000 }, (_, i) => `https://edge.example/vod/ts/720p/seg_${i}.ts`);

describe('rendezvousOrder', () => {
  it('lists every node once, owner first, the same on every call', () => {
    const nodes = shields(4);
    const order = rendezvousOrder(keys[0] ?? '', nodes);
    expect([...order].sort()).toEqual([...nodes].sort());
    expect(rendezvousOrder(keys[0] ?? '', nodes)).toEqual(order);
  });

  it('does not depend on the order nodes are configured in', () => {
    const nodes = shields(5);
    for (const key of keys.slice(0, 50)) {
      expect(rendezvousOrder(key, [...nodes].reverse())).toEqual(rendezvousOrder(key, nodes));
    }
  });

  it('spreads keys evenly: each of 4 shields owns 25% ± 3%', () => {
    const nodes = shields(4);
    const owned = new Map<string, number>();
    for (const key of keys) {
      const owner = rendezvousOwner(key, nodes) ?? '';
      owned.set(owner, (owned.get(owner) ?? 0) + 1);
    }
    for (const node of nodes)
      expect(Math.abs((owned.get(node) ?? 0) / keys.length - 0.25)).toBeLessThan(0.03);
  });

  it('moves only ~1/N of keys when a shield is added, all of them to the new shield', () => {
    const before = shields(4);
    const after = shields(5);
    let moved = 0;
    for (const key of keys) {
      const a = rendezvousOwner(key, before);
      const b = rendezvousOwner(key, after);
      if (a !== b) {
        moved += 1;
        expect(b).toBe(after[4]);
      }
    }
    // Expected 1/5 = 20% of 4000 keys; binomial σ ≈ 0.6%, so ±3% is > 4σ.
    expect(Math.abs(moved / keys.length - 0.2)).toBeLessThan(0.03);
  });

  it('moves only the keys of a removed shield, each to its runner-up', () => {
    const nodes = shields(4);
    const without = nodes.slice(1);
    for (const key of keys.slice(0, 500)) {
      const order = rendezvousOrder(key, nodes);
      const expected = order[0] === nodes[0] ? order[1] : order[0];
      expect(rendezvousOwner(key, without)).toBe(expected);
    }
  });

  it('has no owner for an empty list', () => {
    expect(rendezvousOwner('k', [])).toBeUndefined();
  });
});
