import { describe, expect, it } from 'vitest';
import { normalizeRequestPath, pathSegments } from '../../../src/core/http/path.ts';

describe('normalizeRequestPath', () => {
  it('keeps an ordinary media path unchanged', () => {
    expect(normalizeRequestPath('/vod/ts/720p/seg_00001.ts')).toEqual({
      ok: true,
      value: '/vod/ts/720p/seg_00001.ts',
    });
  });

  it('collapses repeated slashes so two spellings share one cache key', () => {
    expect(normalizeRequestPath('//vod///a.m3u8')).toEqual({ ok: true, value: '/vod/a.m3u8' });
  });

  it('canonicalises percent-encoding of unreserved characters', () => {
    expect(normalizeRequestPath('/vod/%61bc/x%2Dy.ts')).toEqual({ ok: true, value: '/vod/abc/x-y.ts' });
  });

  it('keeps spaces encoded', () => {
    expect(normalizeRequestPath('/a%20b/c.ts')).toEqual({ ok: true, value: '/a%20b/c.ts' });
  });

  it.each([
    ['/vod/../secret'],
    ['/vod/./x.ts'],
    ['/vod/%2e%2e/secret'],
    ['/vod/%2E%2E/secret'],
    ['/vod/.%2e/secret'],
    ['/vod/a%2fb/x.ts'],
    ['/vod/%252e%252e/secret'],
  ])('rejects traversal in %s', (raw) => {
    const r = normalizeRequestPath(raw);
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.error.reason).toBe('traversal');
  });

  it('rejects a backslash, which some file systems treat as a separator', () => {
    const r = normalizeRequestPath('/vod/..%5csecret');
    expect(r.ok).toBe(false);
  });

  it('rejects an encoded NUL byte', () => {
    const r = normalizeRequestPath('/vod/a%00.ts');
    expect(r.ok).toBe(false);
  });

  it('rejects malformed percent-encoding without throwing', () => {
    const r = normalizeRequestPath('/vod/%E0%A4%A/x.ts');
    expect(r).toEqual({ ok: false, error: { reason: 'bad-encoding', segment: '%E0%A4%A' } });
  });

  it('rejects a relative path', () => {
    expect(normalizeRequestPath('vod/x.ts')).toEqual({ ok: false, error: { reason: 'not-absolute' } });
  });

  it('rejects a path longer than the limit', () => {
    const r = normalizeRequestPath(`/${'a'.repeat(5000)}`);
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.error.reason).toBe('too-long');
  });

  it('keeps the root path', () => {
    expect(normalizeRequestPath('/')).toEqual({ ok: true, value: '/' });
  });
});

describe('pathSegments', () => {
  it('decodes each segment of a normalised path', () => {
    expect(pathSegments('/a%20b/c.ts')).toEqual(['a b', 'c.ts']);
  });
});
