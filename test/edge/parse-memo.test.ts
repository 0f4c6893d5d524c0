import { describe, expect, it } from 'vitest';
import { createParseMemo } from '../../src/edge/manifest/parse-memo.ts';

const playlist = (n: number) => `#EXTM3U\n#EXT-X-TARGETDURATION:2\n#EXTINF:2,\nseg_${n}.ts\n`;

describe('playlist parse memo', () => {
  it('parses a playlist text once and shares the parse with every later request', () => {
    const memo = createParseMemo();
    const first = memo.parse(playlist(1));
    expect(memo.parse(playlist(1))).toBe(first);
    expect(first.playlist.kind).toBe('media');
  });

  it('parses a refreshed playlist (new text) afresh, so a stale parse is never served', () => {
    const memo = createParseMemo();
    const before = memo.parse(playlist(1));
    const after = memo.parse(playlist(2));
    expect(after).not.toBe(before);
    expect(after.playlist.lines.at(-1)).toMatchObject({ uri: 'seg_2.ts' });
  });

  it('keeps at most maxEntries texts, evicting the least recently used', () => {
    const memo = createParseMemo({ maxEntries: 2 });
    const one = memo.parse(playlist(1));
    memo.parse(playlist(2));
    memo.parse(playlist(1)); // 1 is now the most recently used
    memo.parse(playlist(3)); // evicts 2
    expect(memo.size).toBe(2);
    expect(memo.parse(playlist(1))).toBe(one);
  });

  it('bounds the characters it keeps and never keeps a text larger than the bound', () => {
    const memo = createParseMemo({ maxChars: playlist(1).length });
    memo.parse(playlist(1));
    memo.parse(playlist(22)); // longer than the bound: parsed, not kept
    expect(memo.size).toBe(1);
  });

  it('refuses a nonsensical bound when built, not per request', () => {
    expect(() => createParseMemo({ maxEntries: -1 })).toThrow(TypeError);
  });
});
