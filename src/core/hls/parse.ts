/**
 * Playlist text → model (RFC 8216 and draft-pantos-hls-rfc8216bis, LL-HLS included). Pure: no I/O.
 * Never throws: every problem becomes an issue with its line number, and `fatal` issues mean the
 * text must not be rewritten (callers pass it through or reject it, by config).
 *
 * Why our own parser (issue 4 evaluation): hls-parser 0.16.1 dropped comments and unknown tags
 * (#EXT-X-FOO), reordered SERVER-CONTROL/PART-INF, rewrote numbers (2.000000→2, 3.0→3), added
 * BYTERANGE-START=0 to PRELOAD-HINT, turned bad input into `#EXTINF:0,undefined` and threw on input
 * without #EXTM3U; m3u8-parser 7.2.0 parses only (no serializer); @svta/common-media-library 0.18.1
 * has no HLS playlist module (only a lossy CMAF-HAM model). A rewriting proxy must keep every byte it
 * does not rewrite and report bad input as issues, so none of them fits.
 */
import { decimalInteger, parseAttributeList, resolutionHeight } from './attributes.ts';
import {
  attr,
  type IFrameRef,
  type Line,
  type LineEnding,
  type ParseResult,
  type PlaylistIssue,
  type PlaylistKind,
  type RenditionRef,
  type SegmentRef,
  TAG_ATTRIBUTES,
  TAG_MASTER,
  TAG_MEDIA,
  type TagLine,
  tagFlags,
  URI_ATTRIBUTES,
  type VariantRef,
} from './model.ts';

const HASH = 35;
const SPACE = 32;
const TAB = 9;
const CR = 13;

/**
 * @example
 *   const { playlist, issues } = parsePlaylist('#EXTM3U\n#EXT-X-TARGETDURATION:2\n#EXTINF:2,\na.ts\n');
 *   // playlist.kind === 'media', playlist.segments[0].uriLine === 3, issues.length === 0
 */
export function parsePlaylist(text: string): ParseResult {
  const bom = text.charCodeAt(0) === 0xfeff;
  const body = bom ? text.slice(1) : text;
  const lines: Line[] = [];
  const issues: PlaylistIssue[] = [];
  const problem = (index: number, message: string, fatal = false) =>
    issues.push({ line: index + 1, message, fatal });

  const variants: VariantRef[] = [];
  const iFrames: IFrameRef[] = [];
  const renditions: RenditionRef[] = [];
  const segments: SegmentRef[] = [];
  let sawMaster = false;
  let sawMedia = false;
  let header = false;
  let version: number | undefined;
  let targetDuration: number | undefined;
  let mediaSequence: number | undefined;
  let endList = false;
  let pendingStreamInf: TagLine | undefined;
  let pendingStreamInfLine = -1;
  let pendingDuration: number | undefined;
  let pendingExtinf = false;

  const n = body.length;
  let at = 0;
  // classify() reports the tag's flags here, so each tag name is looked up once.
  const scratch = { flags: 0 };
  while (at < n) {
    // One pass: split the next line (keeping its ending), classify it, then interpret it.
    const lf = body.indexOf('\n', at);
    let end = lf < 0 ? n : lf;
    let eol: LineEnding = lf < 0 ? '' : '\n';
    if (lf >= 0 && end > at && body.charCodeAt(end - 1) === CR) {
      end -= 1;
      eol = '\r\n';
    }
    const raw = body.slice(at, end);
    at = lf < 0 ? n : lf + 1;
    const index = lines.length;
    const line = classify(raw, eol, scratch);
    lines.push(line);
    if (line.type !== 'tag' && line.type !== 'uri') continue;
    if (!header) {
      // RFC 8216 §4.3.1.1: "It MUST be the first line of every Media Playlist and every Master Playlist."
      if (line.type === 'tag' && line.name === 'EXTM3U') {
        header = true;
        continue;
      }
      problem(index, 'the first line is not #EXTM3U', true);
      header = true;
    }
    if (line.type === 'uri') {
      if (pendingStreamInf !== undefined) {
        variants.push(variantOf(pendingStreamInf, pendingStreamInfLine, index));
        pendingStreamInf = undefined;
        continue;
      }
      sawMedia = true;
      // RFC 8216 §4.3.2.1: "This tag is REQUIRED for each Media Segment."
      if (!pendingExtinf) problem(index, 'media segment URI without a preceding EXTINF');
      segments.push({ uriLine: index, duration: pendingDuration });
      pendingDuration = undefined;
      pendingExtinf = false;
      continue;
    }
    if (line.type !== 'tag') continue;
    const name = line.name;
    const flags = scratch.flags;
    if ((flags & TAG_MASTER) !== 0) sawMaster = true;
    else if ((flags & TAG_MEDIA) !== 0) sawMedia = true;
    if (line.attrProblem !== undefined) problem(index, `#${name}: ${line.attrProblem}`);
    if (line.attrs !== undefined) checkUriAttributes(line, index, problem);
    switch (name) {
      case 'EXTM3U':
        problem(index, 'repeated #EXTM3U');
        break;
      case 'EXT-X-VERSION':
        version = integerTag(line, index, problem);
        break;
      case 'EXT-X-TARGETDURATION':
        targetDuration = integerTag(line, index, problem);
        break;
      case 'EXT-X-MEDIA-SEQUENCE':
        mediaSequence = integerTag(line, index, problem);
        break;
      case 'EXT-X-ENDLIST':
        endList = true;
        break;
      case 'EXTINF': {
        // RFC 8216 §4.3.2.1: #EXTINF:<duration>,[<title>] — duration is a decimal-floating-point.
        const value = line.value ?? '';
        const comma = value.indexOf(',');
        const duration = decimalFloat(value, comma < 0 ? value.length : comma);
        if (value === '' || !Number.isFinite(duration) || duration < 0) {
          problem(index, `EXTINF duration is not a number: "${value}"`);
          pendingDuration = undefined;
        } else pendingDuration = duration;
        pendingExtinf = true;
        break;
      }
      case 'EXT-X-STREAM-INF':
        if (pendingStreamInf !== undefined)
          problem(pendingStreamInfLine, 'EXT-X-STREAM-INF without a URI line');
        pendingStreamInf = line;
        pendingStreamInfLine = index;
        break;
      case 'EXT-X-I-FRAME-STREAM-INF':
        iFrames.push({
          line: index,
          bandwidth: decimalInteger(attr(line, 'BANDWIDTH')?.value),
          height: resolutionHeight(attr(line, 'RESOLUTION')?.value),
          codecs: codecList(attr(line, 'CODECS')?.value),
        });
        break;
      case 'EXT-X-MEDIA':
        renditions.push({
          line: index,
          type: attr(line, 'TYPE')?.value,
          groupId: attr(line, 'GROUP-ID')?.value,
          language: attr(line, 'LANGUAGE')?.value,
          isDefault: attr(line, 'DEFAULT')?.value === 'YES',
        });
        break;
      default:
        break;
    }
  }
  if (!header) problem(-1, 'empty playlist: no #EXTM3U', true);
  if (pendingStreamInf !== undefined) problem(pendingStreamInfLine, 'EXT-X-STREAM-INF without a URI line');
  // RFC 8216 §4.1: "A Playlist file MUST be either a Media Playlist or a Master Playlist."
  if (sawMaster && sawMedia) problem(-1, 'mixes master playlist and media playlist tags', true);
  const kind: PlaylistKind = sawMaster && !sawMedia ? 'master' : sawMedia && !sawMaster ? 'media' : 'unknown';
  // RFC 8216 §4.3.3.1: "The EXT-X-TARGETDURATION tag is REQUIRED."
  if (kind === 'media' && targetDuration === undefined)
    problem(-1, 'media playlist without EXT-X-TARGETDURATION');
  return {
    playlist: {
      kind,
      bom,
      lines,
      version,
      targetDuration,
      mediaSequence,
      endList,
      variants,
      iFrames,
      renditions,
      segments,
    },
    issues,
  };
}

type Problem = (index: number, message: string, fatal?: boolean) => void;

function integerTag(line: TagLine, index: number, problem: Problem): number | undefined {
  const value = decimalInteger(line.value?.trim());
  if (value === undefined)
    problem(index, `#${line.name} expects a decimal-integer, got "${line.value ?? ''}"`);
  return value;
}

function checkUriAttributes(line: TagLine, index: number, problem: Problem): void {
  const spec = URI_ATTRIBUTES[line.name];
  if (spec === undefined || line.name === 'EXT-X-DATERANGE' || line.name === 'EXT-X-SESSION-DATA') return;
  if (line.name === 'EXT-X-KEY' && attr(line, 'METHOD')?.value === 'NONE') return;
  // EXT-X-MEDIA URI is optional (CLOSED-CAPTIONS have none); everything else requires it.
  if (line.name === 'EXT-X-MEDIA') return;
  for (const name of spec.attrs)
    if (attr(line, name) === undefined) problem(index, `#${line.name} without ${name}`);
}

function variantOf(tag: TagLine, tagLine: number, uriLine: number): VariantRef {
  return {
    tagLine,
    uriLine,
    bandwidth: decimalInteger(attr(tag, 'BANDWIDTH')?.value),
    height: resolutionHeight(attr(tag, 'RESOLUTION')?.value),
    codecs: codecList(attr(tag, 'CODECS')?.value),
    audio: attr(tag, 'AUDIO')?.value,
  };
}

function codecList(value: string | undefined): string[] {
  return value === undefined ? [] : value.split(',').map((c) => c.trim());
}

function classify(raw: string, eol: LineEnding, scratch: { flags: number }): Line {
  let lead = 0;
  while (lead < raw.length && (raw.charCodeAt(lead) === SPACE || raw.charCodeAt(lead) === TAB)) lead++;
  if (lead === raw.length) return { type: 'blank', raw, eol };
  if (raw.charCodeAt(lead) !== HASH) {
    const last = raw.charCodeAt(raw.length - 1);
    const uri = lead === 0 && last !== SPACE && last !== TAB ? raw : raw.trim();
    return { type: 'uri', uri, raw, eol };
  }
  // RFC 8216 §4.1: "Lines that start with the character '#' are either comments or tags. Tags begin with #EXT."
  if (!raw.startsWith('#EXT', lead)) return { type: 'comment', raw, eol };
  const colon = raw.indexOf(':', lead);
  const name = (colon < 0 ? raw.slice(lead + 1) : raw.slice(lead + 1, colon)).trimEnd();
  const value = colon < 0 ? undefined : raw.slice(colon + 1);
  const flags = tagFlags(name);
  scratch.flags = flags;
  if (colon < 0 || (flags & TAG_ATTRIBUTES) === 0) {
    return { type: 'tag', name, value, attrs: undefined, attrProblem: undefined, raw, eol };
  }
  const list = parseAttributeList(raw, colon + 1);
  return { type: 'tag', name, value, attrs: list.attrs, attrProblem: list.problem, raw, eol };
}

/**
 * RFC 8216 §4.2 decimal-floating-point (`2.000`) read from `text[0, end)` without allocating; other
 * spellings (exponents, signs) go through Number. NaN when it is not a number.
 */
function decimalFloat(text: string, end: number): number {
  let whole = 0;
  let i = 0;
  for (; i < end; i++) {
    const d = text.charCodeAt(i) - 48;
    if (d < 0 || d > 9) break;
    whole = whole * 10 + d;
  }
  if (i === end) return i === 0 ? Number.NaN : whole;
  if (text.charCodeAt(i) !== 46 || i === 0) return Number(text.slice(0, end));
  let frac = 0;
  let scale = 1;
  for (i++; i < end; i++) {
    const d = text.charCodeAt(i) - 48;
    if (d < 0 || d > 9) return Number(text.slice(0, end));
    frac = frac * 10 + d;
    scale *= 10;
  }
  return whole + frac / scale;
}
