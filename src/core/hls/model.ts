/**
 * The typed playlist model shared by parse, serialize, rewrite and policy. Pure data: no I/O.
 *
 * A playlist is kept as its ordered lines (every tag, URI, comment and blank line, each with its
 * original text and line ending) plus typed views over them (variants, renditions, segments…). The
 * raw text is the source of truth for serialization, so untouched input serializes byte-identically
 * and tags we do not know survive in place (RFC 8216 §4.1: "Clients MUST ignore any tag that they
 * do not recognize"; a proxy must not drop what the player might know).
 */

/** One `NAME=value` of an attribute list (RFC 8216 §4.2), with where its value sits in the line. */
export interface Attribute {
  readonly name: string;
  /** The value without quotes; quoted strings are kept exactly (HLS defines no escapes). */
  readonly value: string;
  readonly quoted: boolean;
  /** Offsets in the line's raw text of the value (inside the quotes when quoted). */
  readonly start: number;
  readonly end: number;
}

export type LineEnding = '\n' | '\r\n' | '';

export interface TagLine {
  readonly type: 'tag';
  /** Tag name without `#` (`EXT-X-KEY`). */
  readonly name: string;
  /** Text after the first `:`, or undefined for tags without a value. */
  readonly value: string | undefined;
  /** Parsed attribute list for attribute-list tags (see ATTRIBUTE_TAGS), else undefined. */
  readonly attrs: readonly Attribute[] | undefined;
  /** Why the attribute list could not be read to its end (the attributes before it are kept). */
  readonly attrProblem: string | undefined;
  readonly raw: string;
  readonly eol: LineEnding;
}

export interface UriLine {
  readonly type: 'uri';
  /** The URI with surrounding whitespace removed. */
  readonly uri: string;
  readonly raw: string;
  readonly eol: LineEnding;
}

export interface OtherLine {
  /** `comment`: starts with `#` but not `#EXT`; `blank`: empty or whitespace only. */
  readonly type: 'comment' | 'blank';
  readonly raw: string;
  readonly eol: LineEnding;
}

export type Line = TagLine | UriLine | OtherLine;

/** A problem found while parsing; `fatal` ones mean the text is not a usable playlist. */
export interface PlaylistIssue {
  /** 1-based line number (0 for whole-document issues). */
  readonly line: number;
  readonly message: string;
  readonly fatal: boolean;
}

/** EXT-X-STREAM-INF plus its URI line (RFC 8216 §4.3.4.2). Indices point into `lines`. */
export interface VariantRef {
  readonly tagLine: number;
  readonly uriLine: number;
  readonly bandwidth: number | undefined;
  readonly height: number | undefined;
  readonly codecs: readonly string[];
  readonly audio: string | undefined;
}

/** EXT-X-I-FRAME-STREAM-INF (RFC 8216 §4.3.4.3). */
export interface IFrameRef {
  readonly line: number;
  readonly bandwidth: number | undefined;
  readonly height: number | undefined;
  readonly codecs: readonly string[];
}

/** EXT-X-MEDIA (RFC 8216 §4.3.4.1). */
export interface RenditionRef {
  readonly line: number;
  readonly type: string | undefined;
  readonly groupId: string | undefined;
  readonly language: string | undefined;
  readonly isDefault: boolean;
}

/** A media segment: the URI line and the EXTINF duration that precedes it. */
export interface SegmentRef {
  readonly uriLine: number;
  readonly duration: number | undefined;
}

export type PlaylistKind = 'master' | 'media' | 'unknown';

export interface Playlist {
  readonly kind: PlaylistKind;
  /** A UTF-8 byte order mark preceded #EXTM3U (kept on output). */
  readonly bom: boolean;
  readonly lines: readonly Line[];
  readonly version: number | undefined;
  readonly targetDuration: number | undefined;
  readonly mediaSequence: number | undefined;
  readonly endList: boolean;
  readonly variants: readonly VariantRef[];
  readonly iFrames: readonly IFrameRef[];
  readonly renditions: readonly RenditionRef[];
  readonly segments: readonly SegmentRef[];
}

export interface ParseResult {
  readonly playlist: Playlist;
  readonly issues: readonly PlaylistIssue[];
}

/** Where a URI sits, so a mapper can treat playlists, media, keys and the rest differently. */
export type UriKind = 'playlist' | 'media' | 'key' | 'other';

/**
 * Every URI-bearing attribute, by tag (RFC 8216bis §4.4). EXT-X-STREAM-INF has none: its URI is the
 * next URI line. EXT-X-DATERANGE's X-ASSET-* are HLS Interstitials (8216bis Appendix D).
 */
export const URI_ATTRIBUTES: Readonly<
  Record<string, { readonly attrs: readonly string[]; readonly kind: UriKind }>
> = {
  'EXT-X-MEDIA': { attrs: ['URI'], kind: 'playlist' },
  'EXT-X-I-FRAME-STREAM-INF': { attrs: ['URI'], kind: 'playlist' },
  'EXT-X-RENDITION-REPORT': { attrs: ['URI'], kind: 'playlist' },
  'EXT-X-KEY': { attrs: ['URI'], kind: 'key' },
  'EXT-X-SESSION-KEY': { attrs: ['URI'], kind: 'key' },
  'EXT-X-MAP': { attrs: ['URI'], kind: 'media' },
  'EXT-X-PART': { attrs: ['URI'], kind: 'media' },
  'EXT-X-PRELOAD-HINT': { attrs: ['URI'], kind: 'media' },
  'EXT-X-SESSION-DATA': { attrs: ['URI'], kind: 'other' },
  'EXT-X-CONTENT-STEERING': { attrs: ['SERVER-URI'], kind: 'other' },
  'EXT-X-DATERANGE': { attrs: ['X-ASSET-URI', 'X-ASSET-LIST'], kind: 'other' },
};

/** Tags whose value is an attribute list (RFC 8216bis §4.4), parsed eagerly. */
export const ATTRIBUTE_TAGS: ReadonlySet<string> = new Set([
  ...Object.keys(URI_ATTRIBUTES),
  'EXT-X-STREAM-INF',
  'EXT-X-DEFINE',
  'EXT-X-START',
  'EXT-X-SERVER-CONTROL',
  'EXT-X-PART-INF',
  'EXT-X-SKIP',
]);

/** Tags that only appear in master (multivariant) playlists (RFC 8216bis §4.4.6). */
export const MASTER_TAGS: ReadonlySet<string> = new Set([
  'EXT-X-MEDIA',
  'EXT-X-STREAM-INF',
  'EXT-X-I-FRAME-STREAM-INF',
  'EXT-X-SESSION-DATA',
  'EXT-X-SESSION-KEY',
  'EXT-X-CONTENT-STEERING',
]);

/** Tags that only appear in media playlists (RFC 8216bis §4.4.3–4.4.5). */
export const MEDIA_TAGS: ReadonlySet<string> = new Set([
  'EXTINF',
  'EXT-X-TARGETDURATION',
  'EXT-X-MEDIA-SEQUENCE',
  'EXT-X-DISCONTINUITY-SEQUENCE',
  'EXT-X-ENDLIST',
  'EXT-X-PLAYLIST-TYPE',
  'EXT-X-I-FRAMES-ONLY',
  'EXT-X-PART-INF',
  'EXT-X-SERVER-CONTROL',
  'EXT-X-BYTERANGE',
  'EXT-X-DISCONTINUITY',
  'EXT-X-KEY',
  'EXT-X-MAP',
  'EXT-X-PROGRAM-DATE-TIME',
  'EXT-X-GAP',
  'EXT-X-BITRATE',
  'EXT-X-PART',
  'EXT-X-SKIP',
  'EXT-X-PRELOAD-HINT',
  'EXT-X-RENDITION-REPORT',
]);

/** Per-tag facts the parser needs. */
export const TAG_MASTER = 1;
export const TAG_MEDIA = 2;
export const TAG_ATTRIBUTES = 4;

/**
 * MASTER_TAGS / MEDIA_TAGS / ATTRIBUTE_TAGS membership as bit flags. A switch on string constants
 * rather than a Map: tag names are fresh slices, and hashing one per line costs more than comparing
 * lengths against constants (measured: bench/micro/manifest.ts). test/unit/hls keeps it in sync.
 */
export function tagFlags(name: string): number {
  switch (name) {
    case 'EXTINF':
      return 2;
    case 'EXT-X-PROGRAM-DATE-TIME':
      return 2;
    case 'EXT-X-PART':
      return 6;
    case 'EXT-X-BYTERANGE':
      return 2;
    case 'EXT-X-DISCONTINUITY':
      return 2;
    case 'EXT-X-KEY':
      return 6;
    case 'EXT-X-MAP':
      return 6;
    case 'EXT-X-MEDIA':
      return 5;
    case 'EXT-X-STREAM-INF':
      return 5;
    case 'EXT-X-I-FRAME-STREAM-INF':
      return 5;
    case 'EXT-X-SESSION-DATA':
      return 5;
    case 'EXT-X-SESSION-KEY':
      return 5;
    case 'EXT-X-CONTENT-STEERING':
      return 5;
    case 'EXT-X-TARGETDURATION':
      return 2;
    case 'EXT-X-MEDIA-SEQUENCE':
      return 2;
    case 'EXT-X-DISCONTINUITY-SEQUENCE':
      return 2;
    case 'EXT-X-ENDLIST':
      return 2;
    case 'EXT-X-PLAYLIST-TYPE':
      return 2;
    case 'EXT-X-I-FRAMES-ONLY':
      return 2;
    case 'EXT-X-PART-INF':
      return 6;
    case 'EXT-X-SERVER-CONTROL':
      return 6;
    case 'EXT-X-GAP':
      return 2;
    case 'EXT-X-BITRATE':
      return 2;
    case 'EXT-X-SKIP':
      return 6;
    case 'EXT-X-PRELOAD-HINT':
      return 6;
    case 'EXT-X-RENDITION-REPORT':
      return 6;
    case 'EXT-X-DATERANGE':
      return 4;
    case 'EXT-X-DEFINE':
      return 4;
    case 'EXT-X-START':
      return 4;
    default:
      return 0;
  }
}

/** The attribute named `name`, if present (names are case-sensitive, RFC 8216 §4.2). */
export function attr(line: TagLine, name: string): Attribute | undefined {
  if (line.attrs === undefined) return undefined;
  for (const a of line.attrs) if (a.name === name) return a;
  return undefined;
}
