import { describe, expect, it } from 'vitest';
import { contentQuery } from '../../../src/core/cache/upstream-query.ts';

const q = (s: string) => contentQuery(new URLSearchParams(s));

describe('contentQuery', () => {
  it('returns an empty string when no parameter changes content', () => {
    expect(q('')).toBe('');
    expect(q('token=abc&CMCD=br%3D300&cb=123')).toBe('');
  });

  it('keeps the LL-HLS delivery directives sorted by name', () => {
    expect(q('_HLS_skip=YES&token=abc&_HLS_part=2&_HLS_msn=10')).toBe(
      '?_HLS_msn=10&_HLS_part=2&_HLS_skip=YES',
    );
  });

  it('yields the same query whatever order the client used', () => {
    expect(q('_HLS_part=1&_HLS_msn=5')).toBe(q('_HLS_msn=5&_HLS_part=1'));
  });

  it('keeps only the first value of a repeated parameter', () => {
    expect(q('_HLS_msn=5&_HLS_msn=6')).toBe('?_HLS_msn=5');
  });

  it('treats parameter names case-sensitively, as RFC 8216bis does', () => {
    expect(q('_hls_msn=5&_HLS_MSN=6')).toBe('');
  });

  it('re-encodes values so the result is a valid query string', () => {
    expect(q('_HLS_skip=a%20b')).toBe('?_HLS_skip=a+b');
  });
});

describe('contentQuery encoding', () => {
  it('encodes values exactly as URLSearchParams does', () => {
    const value = "a b!'()~*-._/?&=é";
    const expected = new URLSearchParams([['_HLS_msn', value]]).toString();
    expect(contentQuery(new URLSearchParams([['_HLS_msn', value]]))).toBe(`?${expected}`);
  });
});
