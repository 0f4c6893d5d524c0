/**
 * The viewer path's copy of the control store (src/edge/control/runtime.ts) under an injected clock:
 * one store read serves every request until the copy is T/2 old, a reload then runs in the
 * background, and from T on a request waits for a fresh copy, so no change is older than T. The store
 * is a counting stand-in that answers the loader's five SELECTs; the clock is a variable.
 */
import { describe, expect, it } from 'vitest';
import { createControlRuntime } from '../../src/edge/control/runtime.ts';

function countingStore(revoked: () => string[]) {
  let batches = 0;
  const statement = (sql: string) => ({ sql, bind: () => statement(sql) });
  const db = {
    prepare: statement,
    async batch(statements: unknown[]) {
      batches++;
      return (statements as { sql: string }[]).map((s) => ({
        results: s.sql.includes('FROM revocations')
          ? revoked().map((value) => ({ tenant: 'acme', kind: 'sid', value, until: 4_000_000_000 }))
          : s.sql.includes('FROM prefixes')
            ? [{ prefix: '/acme/', tenant: 'acme' }]
            : [],
      }));
    },
  };
  return { db, batches: () => batches };
}

describe('control store copy per isolate', () => {
  const T = 30;
  function setup() {
    let now = 1_000_000;
    let revoked: string[] = [];
    const store = countingStore(() => revoked);
    const background: Promise<unknown>[] = [];
    const runtime = createControlRuntime({
      db: store.db,
      schema: { ready: async () => {} },
      ttlS: T,
      now: () => now,
      staticGeoRules: [],
    });
    const current = () => runtime.current((p) => background.push(p));
    const isRevoked = async (sid: string) =>
      (await current())?.revokedBy('acme', { sid }, Math.floor(now / 1000)) === 'sid';
    return {
      store,
      background,
      current,
      isRevoked,
      advance: (ms: number) => {
        now += ms;
      },
      revoke: (sid: string) => {
        revoked = [...revoked, sid];
      },
    };
  }

  it('reads the store once for any number of requests while the copy is younger than T/2', async () => {
    const s = setup();
    await Promise.all(Array.from({ length: 500 }, () => s.current()));
    s.advance((T / 2) * 1000 - 1);
    for (let i = 0; i < 500; i++) await s.current();
    expect(s.store.batches()).toBe(1);
  });

  it('reloads in the background between T/2 and T, answering from the copy meanwhile', async () => {
    const s = setup();
    await s.current();
    s.revoke('s1');
    s.advance((T / 2) * 1000);
    expect(await s.isRevoked('s1')).toBe(false);
    await Promise.all(s.background);
    expect(s.store.batches()).toBe(2);
    expect(await s.isRevoked('s1')).toBe(true);
  });

  it('never answers from a copy T or more old: the request waits for the reload', async () => {
    const s = setup();
    await s.current();
    s.revoke('s2');
    s.advance(T * 1000);
    expect(await s.isRevoked('s2')).toBe(true);
    expect(s.background).toHaveLength(0);
  });
});
