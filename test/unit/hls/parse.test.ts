/**
 * Playlist parsing, named by RFC 8216 / draft-pantos-hls-rfc8216bis section with the sentence checked.
 * Runs on Node and in workerd (no node:* imports).
 */
import { describe, expect, it } from 'vitest';
import { parsePlaylist } from '../../../src/core/hls/parse.ts';
import { serializePlaylist } from '../../../src/core/hls/serialize.ts';

const media = (body: string) => `#EXTM3U\n#EXT-X-TARGETDURATION:2\n${body}`;

describe('RFC 8216 §4.1 Definition of a Playlist', () => {
  // "Each line is a URI, is blank, or starts with the character '#'."
  it('classifies URI, blank, comment and tag lines', () => {
    const { playlist } = parsePlaylist('#EXTM3U\n\n# hello\n#EXT-X-TARGETDURATION:2\n#EXTINF:2,\na.ts\n');
    expect(playlist.lines.map((l) => l.type)).toEqual(['tag', 'blank', 'comment', 'tag', 'tag', 'uri']);
  });

  // "Lines that start with the character '#' are either comments or tags. Tags begin with #EXT."
  it('treats "#EXT"-less hash lines as comments and keeps them', () => {
    const text = media('#EXTINF:2,\n#not-a-tag\na.ts\n');
    const { playlist, issues } = parsePlaylist(text);
    expect(playlist.lines[3]?.type).toBe('comment');
    expect(issues).toEqual([]);
    expect(serializePlaylist(playlist)).toBe(text);
  });

  // "Lines in a Playlist file are terminated by either a single line feed character or a carriage
  // return character followed by a line feed character."
  it('accepts CRLF and keeps each line ending on output', () => {
    const text = '#EXTM3U\r\n#EXT-X-TARGETDURATION:2\n#EXTINF:2,\r\na.ts\r\n';
    const { playlist } = parsePlaylist(text);
    expect(playlist.segments).toHaveLength(1);
    expect(serializePlaylist(playlist)).toBe(text);
  });

  // "A Playlist file MUST be either a Media Playlist or a Master Playlist; all other files are invalid."
  it('reports a fatal issue when master and media tags are mixed', () => {
    const { issues } = parsePlaylist('#EXTM3U\n#EXT-X-STREAM-INF:BANDWIDTH=1\na.m3u8\n#EXTINF:2,\nb.ts\n');
    expect(issues.some((i) => i.fatal && /mixes/.test(i.message))).toBe(true);
  });

  // "Playlist files MUST be encoded in UTF-8 [RFC3629]." — a BOM is tolerated and kept.
  it('tolerates a UTF-8 byte order mark before #EXTM3U and writes it back', () => {
    const text = `\ufeff${media('#EXTINF:2,\na.ts\n')}`;
    const { playlist, issues } = parsePlaylist(text);
    expect(playlist.bom).toBe(true);
    expect(issues).toEqual([]);
    expect(serializePlaylist(playlist)).toBe(text);
  });
});

describe('RFC 8216 §4.2 Attribute Lists', () => {
  // "An attribute-list is a comma-separated list of attribute/value pairs with no whitespace."
  // "quoted-string: a string of characters within a pair of double quotes" (may contain commas).
  it('reads quoted strings containing commas and keeps attribute order', () => {
    const { playlist } = parsePlaylist(
      '#EXTM3U\n#EXT-X-STREAM-INF:CODECS="avc1.4d401e,mp4a.40.2",BANDWIDTH=1000,X-NEW=7\nv.m3u8\n',
    );
    const line = playlist.lines[1];
    expect(line?.type === 'tag' ? line.attrs?.map((a) => [a.name, a.value]) : []).toEqual([
      ['CODECS', 'avc1.4d401e,mp4a.40.2'],
      ['BANDWIDTH', '1000'],
      ['X-NEW', '7'],
    ]);
  });

  it('reports an unterminated quoted-string without throwing', () => {
    const { issues } = parsePlaylist(media('#EXT-X-KEY:METHOD=AES-128,URI="k.key\n#EXTINF:2,\na.ts\n'));
    expect(issues.some((i) => i.line === 3 && /unterminated/.test(i.message))).toBe(true);
  });
});

describe('RFC 8216 §4.3.1.1 EXTM3U', () => {
  // "It MUST be the first line of every Media Playlist and every Master Playlist."
  it('reports a fatal issue when the first line is not #EXTM3U', () => {
    const { issues } = parsePlaylist('#EXTINF:2,\na.ts\n');
    expect(issues[0]).toMatchObject({ line: 1, fatal: true });
  });

  it('reports a fatal issue for empty input', () => {
    expect(parsePlaylist('').issues[0]?.fatal).toBe(true);
  });
});

describe('RFC 8216 §4.3.2.1 EXTINF', () => {
  // "#EXTINF:<duration>,[<title>] where duration is a decimal-floating-point or decimal-integer".
  it('reads the duration of each segment', () => {
    const { playlist } = parsePlaylist(media('#EXTINF:2.002,t\na.ts\n#EXTINF:4,\nb.ts\n'));
    expect(playlist.segments.map((s) => s.duration)).toEqual([2.002, 4]);
  });

  // "This tag is REQUIRED for each Media Segment."
  it('reports a segment URI without EXTINF', () => {
    const { issues } = parsePlaylist(media('a.ts\n'));
    expect(issues).toEqual([
      { line: 3, message: 'media segment URI without a preceding EXTINF', fatal: false },
    ]);
  });

  it('reports a non-numeric duration', () => {
    expect(parsePlaylist(media('#EXTINF:abc,\na.ts\n')).issues[0]?.line).toBe(3);
  });
});

describe('RFC 8216 §4.3.3.1 EXT-X-TARGETDURATION', () => {
  // "The EXT-X-TARGETDURATION tag is REQUIRED."
  it('reports a media playlist without it', () => {
    const { issues } = parsePlaylist('#EXTM3U\n#EXTINF:2,\na.ts\n');
    expect(issues.some((i) => /TARGETDURATION/.test(i.message))).toBe(true);
  });
});

describe('RFC 8216 §4.3.4.2 EXT-X-STREAM-INF', () => {
  // "The EXT-X-STREAM-INF tag specifies a Variant Stream ... The URI line that follows it is REQUIRED."
  it('pairs each EXT-X-STREAM-INF with the next URI line', () => {
    const { playlist } = parsePlaylist(
      '#EXTM3U\n#EXT-X-STREAM-INF:BANDWIDTH=800000,RESOLUTION=640x360\n# c\nlow.m3u8\n',
    );
    expect(playlist.kind).toBe('master');
    expect(playlist.variants).toEqual([
      { tagLine: 1, uriLine: 3, bandwidth: 800000, height: 360, codecs: [], audio: undefined },
    ]);
  });

  it('reports an EXT-X-STREAM-INF with no URI line', () => {
    const { issues } = parsePlaylist('#EXTM3U\n#EXT-X-STREAM-INF:BANDWIDTH=1\n');
    expect(issues).toContainEqual({ line: 2, message: 'EXT-X-STREAM-INF without a URI line', fatal: false });
  });
});

describe('RFC 8216bis §4.4.4.9 / §4.4.5.3 LL-HLS tags', () => {
  // EXT-X-PART: "URI: The value is a quoted-string containing the URI for the Partial Segment. ... REQUIRED."
  it('reports an EXT-X-PART without URI, and an EXT-X-PRELOAD-HINT without URI', () => {
    const { issues } = parsePlaylist(media('#EXT-X-PART:DURATION=1\n#EXT-X-PRELOAD-HINT:TYPE=PART\n'));
    expect(issues.map((i) => i.message)).toEqual([
      '#EXT-X-PART without URI',
      '#EXT-X-PRELOAD-HINT without URI',
    ]);
  });
});

describe('robustness', () => {
  it('never throws on arbitrary bytes and always round-trips them', () => {
    let seed = 7;
    const rand = () => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      return seed / 2 ** 31;
    };
    const alphabet = '#EXTM3U:=,"\r\n \tABC-X01./?&{$}\ufeff';
    for (let n = 0; n < 300; n++) {
      let text = '';
      for (let i = 0; i < 80; i++) text += alphabet[Math.floor(rand() * alphabet.length)];
      const { playlist } = parsePlaylist(text);
      expect(serializePlaylist(playlist)).toBe(text);
    }
  });
});
