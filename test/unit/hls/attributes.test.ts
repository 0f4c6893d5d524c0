/**
 * Attribute lists (RFC 8216 §4.2) and the tag tables in model.ts. Node and workerd.
 */
import { describe, expect, it } from 'vitest';
import { parseAttributeList, quotedSafe, spliceValues } from '../../../src/core/hls/attributes.ts';
import {
  ATTRIBUTE_TAGS,
  MASTER_TAGS,
  MEDIA_TAGS,
  TAG_ATTRIBUTES,
  TAG_MASTER,
  TAG_MEDIA,
  tagFlags,
} from '../../../src/core/hls/model.ts';

describe('parseAttributeList', () => {
  it('gives line offsets of every value, inside the quotes for quoted-strings', () => {
    const raw = '#EXT-X-KEY:METHOD=AES-128,URI="k.key",IV=0x01';
    const { attrs, problem } = parseAttributeList(raw, 11);
    expect(problem).toBeUndefined();
    for (const a of attrs) expect(raw.slice(a.start, a.end)).toBe(a.value);
    expect(attrs.map((a) => a.quoted)).toEqual([false, true, false]);
  });

  it('tolerates spaces around separators without losing them on splice', () => {
    const raw = '#EXT-X-VENDOR:A=1, URI="x" ,B=2';
    const { attrs } = parseAttributeList(raw, 14);
    const uri = attrs.find((a) => a.name === 'URI');
    expect(uri?.value).toBe('x');
    expect(spliceValues(raw, uri ? [{ start: uri.start, end: uri.end, text: 'y' }] : [])).toBe(
      '#EXT-X-VENDOR:A=1, URI="y" ,B=2',
    );
  });

  it('reports a name without "=" and keeps what it read before it', () => {
    const r = parseAttributeList('#T:A=1,BROKEN', 3);
    expect(r.attrs.map((a) => a.name)).toEqual(['A']);
    expect(r.problem).toMatch(/without "="/);
  });
});

describe('quotedSafe', () => {
  // RFC 8216 §4.2: a quoted-string "MUST NOT include ... double quote (0x22), carriage return or line feed".
  it('percent-encodes the characters a quoted-string cannot hold', () => {
    expect(quotedSafe('a"b\r\nc')).toBe('a%22b%0D%0Ac');
    expect(quotedSafe('plain')).toBe('plain');
  });
});

describe('tagFlags', () => {
  it('agrees with MASTER_TAGS, MEDIA_TAGS and ATTRIBUTE_TAGS', () => {
    for (const name of new Set([
      ...MASTER_TAGS,
      ...MEDIA_TAGS,
      ...ATTRIBUTE_TAGS,
      'EXT-X-UNKNOWN',
      'EXTM3U',
    ])) {
      const expected =
        (MASTER_TAGS.has(name) ? TAG_MASTER : 0) |
        (MEDIA_TAGS.has(name) ? TAG_MEDIA : 0) |
        (ATTRIBUTE_TAGS.has(name) ? TAG_ATTRIBUTES : 0);
      expect(tagFlags(name), name).toBe(expected);
    }
  });
});
