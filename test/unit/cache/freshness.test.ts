import { describe, expect, it } from 'vitest';
import {
  ageSeconds,
  canServeStaleOnError,
  type FreshnessFacts,
  freshnessState,
  staleWindows,
} from '../../../src/core/cache/freshness.ts';
import { parseCacheControl } from '../../../src/core/http/cache-control.ts';

const facts = (over: Partial<FreshnessFacts> = {}): FreshnessFacts => ({
  storedAt: 0,
  initialAgeSec: 0,
  freshForSec: 10,
  staleWhileRevalidateSec: 5,
  staleIfErrorSec: 60,
  ...over,
});
const bounds = { defaultStaleWhileRevalidateSec: 60, maxStaleIfErrorSec: 300 };

describe('freshnessState', () => {
  it('is fresh while the age is below the lifetime', () => {
    expect(freshnessState(facts(), 9_999)).toBe('fresh');
  });

  it('is in the stale-while-revalidate window right after expiry', () => {
    expect(freshnessState(facts(), 10_000)).toBe('stale-while-revalidate');
    expect(freshnessState(facts(), 14_999)).toBe('stale-while-revalidate');
  });

  it('is stale once the SWR window has passed', () => {
    expect(freshnessState(facts(), 15_000)).toBe('stale');
  });

  it('counts the upstream Age towards the lifetime (RFC 9111 §4.2.3)', () => {
    expect(ageSeconds(facts({ initialAgeSec: 8 }), 2_500)).toBe(10);
    expect(freshnessState(facts({ initialAgeSec: 8 }), 2_500)).toBe('stale-while-revalidate');
  });
});

describe('canServeStaleOnError', () => {
  it('allows stale within lifetime plus stale-if-error and refuses after', () => {
    expect(canServeStaleOnError(facts(), 69_999)).toBe(true);
    expect(canServeStaleOnError(facts(), 70_000)).toBe(false);
  });
});

describe('staleWindows', () => {
  it('caps the default SWR window at the lifetime so live playlists stay near-live', () => {
    expect(staleWindows(parseCacheControl('max-age=1'), 1, bounds)).toEqual({
      staleWhileRevalidateSec: 1,
      staleIfErrorSec: 300,
    });
  });

  it("prefers the origin's stale-while-revalidate (RFC 5861 §3)", () => {
    expect(
      staleWindows(parseCacheControl('max-age=1, stale-while-revalidate=30'), 1, bounds)
        .staleWhileRevalidateSec,
    ).toBe(30);
  });

  it("bounds the origin's stale-if-error by the operator maximum (RFC 5861 §4)", () => {
    expect(staleWindows(parseCacheControl('max-age=1, stale-if-error=9999'), 1, bounds).staleIfErrorSec).toBe(
      300,
    );
    expect(staleWindows(parseCacheControl('max-age=1, stale-if-error=20'), 1, bounds).staleIfErrorSec).toBe(
      20,
    );
  });

  it('serves nothing stale under must-revalidate (RFC 9111 §5.2.2.2)', () => {
    expect(staleWindows(parseCacheControl('max-age=60, must-revalidate'), 60, bounds)).toEqual({
      staleWhileRevalidateSec: 0,
      staleIfErrorSec: 0,
    });
  });
});
