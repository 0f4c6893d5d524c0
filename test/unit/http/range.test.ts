import { describe, expect, it } from 'vitest';
import { contentRangeValue, resolveRange } from '../../../src/core/http/range.ts';

describe('resolveRange', () => {
  it('serves the whole object when there is no Range header', () => {
    expect(resolveRange(undefined, 100)).toEqual({ kind: 'full' });
  });

  it('resolves a closed range', () => {
    expect(resolveRange('bytes=10-19', 100)).toEqual({ kind: 'partial', start: 10, end: 19 });
  });

  it('clamps an open or overlong range to the last byte', () => {
    expect(resolveRange('bytes=90-', 100)).toEqual({ kind: 'partial', start: 90, end: 99 });
    expect(resolveRange('bytes=90-500', 100)).toEqual({ kind: 'partial', start: 90, end: 99 });
  });

  it('resolves a suffix range to the last N bytes', () => {
    expect(resolveRange('bytes=-10', 100)).toEqual({ kind: 'partial', start: 90, end: 99 });
    expect(resolveRange('bytes=-500', 100)).toEqual({ kind: 'partial', start: 0, end: 99 });
  });

  it('reports a range starting beyond the end as unsatisfiable', () => {
    expect(resolveRange('bytes=100-', 100)).toEqual({ kind: 'unsatisfiable' });
    expect(resolveRange('bytes=-0', 100)).toEqual({ kind: 'unsatisfiable' });
  });

  it('ignores malformed, multi-range and non-byte ranges (RFC 9110 §14.2)', () => {
    expect(resolveRange('bytes=5-1', 100)).toEqual({ kind: 'full' });
    expect(resolveRange('bytes=0-1,5-6', 100)).toEqual({ kind: 'full' });
    expect(resolveRange('items=0-1', 100)).toEqual({ kind: 'full' });
    expect(resolveRange('bytes=-', 100)).toEqual({ kind: 'full' });
  });
});

describe('contentRangeValue', () => {
  it('formats a satisfied and an unsatisfied range', () => {
    expect(contentRangeValue(100, { start: 0, end: 9 })).toBe('bytes 0-9/100');
    expect(contentRangeValue(100)).toBe('bytes */100');
  });
});
