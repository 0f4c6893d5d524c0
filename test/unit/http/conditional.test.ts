import { describe, expect, it } from 'vitest';
import { conditionalHeaders, mergeNotModified } from '../../../src/core/http/conditional.ts';

describe('conditionalHeaders', () => {
  it('sends If-None-Match for an ETag and If-Modified-Since for Last-Modified (RFC 9110 §13.1)', () => {
    expect(conditionalHeaders({ etag: '"v1"', 'last-modified': 'Wed, 21 Oct 2026 07:28:00 GMT' })).toEqual({
      'if-none-match': '"v1"',
      'if-modified-since': 'Wed, 21 Oct 2026 07:28:00 GMT',
    });
  });

  it('sends nothing for a response without validators', () => {
    expect(conditionalHeaders({ 'content-type': 'video/mp2t' })).toEqual({});
  });
});

describe('mergeNotModified', () => {
  const replay = ['content-type', 'etag', 'cache-control', 'content-length'];

  it('updates stored headers with those the 304 carries (RFC 9111 §4.3.4)', () => {
    const merged = mergeNotModified(
      { 'cache-control': 'max-age=1', etag: '"a"', 'content-type': 'text/plain' },
      { 'cache-control': 'max-age=60' },
      replay,
    );
    expect(merged).toEqual({ 'cache-control': 'max-age=60', etag: '"a"', 'content-type': 'text/plain' });
  });

  it('keeps the stored Content-Length: it describes the stored body, not the empty 304', () => {
    expect(
      mergeNotModified({ 'content-length': '10' }, { 'content-length': '0' }, replay)['content-length'],
    ).toBe('10');
  });

  it('ignores 304 headers outside the replay list', () => {
    expect(mergeNotModified({}, { 'set-cookie': 'a=1' }, replay)).toEqual({});
  });
});
