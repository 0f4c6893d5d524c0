import { describe, expect, it } from 'vitest';
import { deltaSeconds, parseCacheControl } from '../../../src/core/http/cache-control.ts';

describe('parseCacheControl', () => {
  it('reads directives with and without arguments, case-insensitively', () => {
    const d = parseCacheControl('Public, MAX-AGE=60, immutable');
    expect(d.get('public')).toBe(true);
    expect(d.get('max-age')).toBe('60');
    expect(d.get('immutable')).toBe(true);
  });

  it('keeps commas inside quoted arguments', () => {
    const d = parseCacheControl('private="set-cookie, x-foo", max-age=5');
    expect(d.get('private')).toBe('set-cookie, x-foo');
    expect(d.get('max-age')).toBe('5');
  });

  it('returns no directives for a missing or empty header', () => {
    expect(parseCacheControl(undefined).size).toBe(0);
    expect(parseCacheControl(' , ').size).toBe(0);
  });

  it('keeps the first occurrence of a repeated directive', () => {
    expect(parseCacheControl('max-age=10, max-age=99').get('max-age')).toBe('10');
  });
});

describe('deltaSeconds', () => {
  it('returns the number of seconds of a valid delta-seconds argument', () => {
    expect(deltaSeconds(parseCacheControl('s-maxage=30'), 's-maxage')).toBe(30);
  });

  it('returns undefined when the directive is absent', () => {
    expect(deltaSeconds(parseCacheControl('public'), 'max-age')).toBeUndefined();
  });

  it('returns null for an invalid argument, which RFC 9111 treats as stale', () => {
    expect(deltaSeconds(parseCacheControl('max-age=-1'), 'max-age')).toBeNull();
    expect(deltaSeconds(parseCacheControl('max-age'), 'max-age')).toBeNull();
  });

  it('clamps values too large to represent to 2^31', () => {
    expect(deltaSeconds(parseCacheControl('max-age=99999999999999'), 'max-age')).toBe(2 ** 31);
  });
});
