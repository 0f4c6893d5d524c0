/** The in-memory LRU object store: byte accounting, recency and refusal of objects that cannot fit. */
import { describe, expect, it } from 'vitest';
import { type CachedObject, createLruStore, objectBytes } from '../../origin/cache/store.ts';

const obj = (bytes: number): CachedObject => ({
  status: 200,
  headers: {},
  body: new Uint8Array(bytes),
  storedAt: 0,
  initialAgeSec: 0,
  freshForSec: 60,
  staleWhileRevalidateSec: 0,
  staleIfErrorSec: 0,
});

describe('createLruStore', () => {
  it('accounts body and key bytes and releases them on delete', () => {
    const store = createLruStore(1000);
    store.set('/a', obj(100));
    expect(store.usedBytes).toBe(objectBytes('/a', obj(100)));
    expect(store.usedBytes).toBe(102);
    store.delete('/a');
    expect(store.usedBytes).toBe(0);
  });

  it('evicts least recently used entries first, counting a get as a use', () => {
    const store = createLruStore(350);
    store.set('/a', obj(100));
    store.set('/b', obj(100));
    store.set('/c', obj(100));
    store.get('/a');
    store.set('/d', obj(100));
    expect(store.get('/b')).toBeUndefined();
    expect(store.get('/a')).toBeDefined();
    expect(store.usedBytes).toBeLessThanOrEqual(350);
  });

  it('refuses an object larger than the whole budget without evicting others', () => {
    const store = createLruStore(300);
    store.set('/a', obj(100));
    expect(store.set('/huge', obj(400))).toBe(false);
    expect(store.get('/a')).toBeDefined();
  });

  it('replaces an existing key without double-counting its bytes', () => {
    const store = createLruStore(1000);
    store.set('/a', obj(100));
    store.set('/a', obj(200));
    expect(store.size).toBe(1);
    expect(store.usedBytes).toBe(202);
  });

  it('stores nothing with a zero budget', () => {
    expect(createLruStore(0).set('/a', obj(1))).toBe(false);
  });
});
