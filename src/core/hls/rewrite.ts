/**
 * Playlist rewriting: every URI-bearing place goes through one `mapUri` callback, chosen lines are
 * dropped (rendition policy), and an EXT-X-DEFINE can be inserted. Pure: no I/O, no clock.
 *
 * Touches only the bytes it must: a rewritten attribute value is spliced into the original line,
 * so attribute order, unknown attributes and quoting survive; untouched lines keep their raw text
 * and line endings. Never rewrites a playlist with fatal parse issues (returns the input as is).
 */
import { quotedSafe, spliceValues, type ValueEdit } from './attributes.ts';
import {
  attr,
  type Line,
  type ParseResult,
  type Playlist,
  type PlaylistIssue,
  type PlaylistKind,
  type TagLine,
  URI_ATTRIBUTES,
  type UriKind,
} from './model.ts';
import { parsePlaylist } from './parse.ts';
import { serializeLines } from './serialize.ts';

/** Where a URI was found. `tag`/`attribute` are undefined for URI lines. */
export interface UriContext {
  readonly kind: UriKind;
  readonly tag: string | undefined;
  readonly attribute: string | undefined;
  /** 0-based index into `playlist.lines`. */
  readonly line: number;
}

/**
 * Returns the URI to write; `ctx` is only valid during the call (it is reused). It must not contain CR or LF (it is written as a line, and scanning
 * every result for them would cost a flatten per segment); `"` is percent-encoded in attributes.
 */
export type MapUri = (uri: string, ctx: UriContext) => string;

export interface RewritePlan {
  /** Called for every URI; return it unchanged to leave it alone. */
  readonly mapUri?: MapUri;
  /** Line indices to remove (e.g. from `renditionDrops`). */
  readonly drop?: ReadonlySet<number>;
  /**
   * Insert `#EXT-X-DEFINE:QUERYPARAM="<name>"` after #EXTM3U (RFC 8216bis §4.4.2.3) so URIs may
   * carry `{$<name>}`; EXT-X-VERSION is raised to 8 as §8 requires for EXT-X-DEFINE.
   */
  readonly defineQueryParam?: string;
  /** Extra issues the planner found (reported with the parse issues). */
  readonly issues?: readonly PlaylistIssue[];
}

export interface RewriteResult {
  readonly text: string;
  /** False when fatal issues stopped the rewrite (`text` is then the input, unchanged). */
  readonly rewritten: boolean;
  /** Whether `text` differs from the input. */
  readonly changed: boolean;
  readonly kind: PlaylistKind;
  readonly issues: readonly PlaylistIssue[];
}

/** Minimum EXT-X-VERSION for EXT-X-DEFINE (RFC 8216bis §8). */
const DEFINE_VERSION = 8;

/**
 * Parses, plans (the planner sees the parsed playlist), rewrites and serializes.
 *
 * @example
 *   rewritePlaylist(text, () => ({ mapUri: (uri) => `${uri}?token=abc` })).text
 */
export function rewritePlaylist(text: string, plan: (playlist: Playlist) => RewritePlan): RewriteResult {
  return rewriteParsed(text, parsePlaylist(text), plan);
}

/**
 * The same, on a parse of `text` done earlier: the edge parses each cached playlist once and
 * rewrites it for every viewer. `parsed` is only read, so one parse can serve any number of calls.
 */
export function rewriteParsed(
  text: string,
  parsed: ParseResult,
  plan: (playlist: Playlist) => RewritePlan,
): RewriteResult {
  const { playlist, issues } = parsed;
  if (issues.some((i) => i.fatal))
    return { text, rewritten: false, changed: false, kind: playlist.kind, issues };
  const p = plan(playlist);
  const lines = rewriteLines(playlist, p);
  const same = lines === playlist.lines;
  const all = p.issues === undefined || p.issues.length === 0 ? issues : [...issues, ...p.issues];
  // `changed` from the line arrays: comparing whole texts would flatten and scan both.
  const out = same ? text : serializeLines(lines, playlist.bom);
  return { text: out, rewritten: true, changed: !same, kind: playlist.kind, issues: all };
}

/** The rewritten lines; the same array when nothing changed. */
export function rewriteLines(playlist: Playlist, plan: RewritePlan): readonly Line[] {
  const { mapUri, drop, defineQueryParam } = plan;
  const source = playlist.lines;
  const out: Line[] = [];
  let changed = false;
  let afterStreamInf = false;
  // One context object for every URI line: MapUri must not keep it (2,000 segments, 2,000 objects less).
  const lineCtx: { kind: UriKind; tag: undefined; attribute: undefined; line: number } = {
    kind: 'media',
    tag: undefined,
    attribute: undefined,
    line: 0,
  };
  for (let index = 0; index < source.length; index++) {
    const line = source[index];
    if (line === undefined) continue;
    if (drop?.has(index)) {
      changed = true;
      continue;
    }
    let next: Line = line;
    if (line.type === 'uri') {
      if (mapUri !== undefined) {
        lineCtx.kind = afterStreamInf ? 'playlist' : 'media';
        lineCtx.line = index;
        const mapped = mapUri(line.uri, lineCtx);
        if (mapped !== line.uri) next = { type: 'uri', uri: mapped, raw: mapped, eol: line.eol };
      }
      afterStreamInf = false;
    } else if (line.type === 'tag') {
      if (line.name === 'EXT-X-STREAM-INF') afterStreamInf = true;
      if (mapUri !== undefined && line.attrs !== undefined) next = mapTagUris(line, index, mapUri);
    }
    if (next !== line) changed = true;
    out.push(next);
  }
  if (defineQueryParam !== undefined) {
    addDefine(out, defineQueryParam);
    changed = true;
  }
  return changed ? out : source;
}

function mapTagUris(line: TagLine, index: number, mapUri: MapUri): TagLine {
  const spec = URI_ATTRIBUTES[line.name];
  if (spec === undefined) return line;
  let edits: ValueEdit[] | undefined;
  for (const name of spec.attrs) {
    const a = attr(line, name);
    if (a === undefined) continue;
    const mapped = quotedSafe(
      mapUri(a.value, { kind: spec.kind, tag: line.name, attribute: name, line: index }),
    );
    if (mapped === a.value) continue;
    edits ??= [];
    edits.push({ start: a.start, end: a.end, text: a.quoted ? mapped : mapped.replace(/,/g, '%2C') });
  }
  if (edits === undefined) return line;
  const raw = spliceValues(line.raw, edits);
  return { ...line, raw, value: raw.slice(raw.indexOf(':') + 1), attrs: undefined };
}

function addDefine(lines: Line[], name: string): void {
  const header = lines.findIndex((l) => l.type === 'tag' && l.name === 'EXTM3U');
  const eol = lines[header]?.eol || '\n';
  const define = `#EXT-X-DEFINE:QUERYPARAM="${quotedSafe(name)}"`;
  const versionAt = lines.findIndex((l) => l.type === 'tag' && l.name === 'EXT-X-VERSION');
  const version = versionAt < 0 ? undefined : lines[versionAt];
  const inserted: Line[] = [tag('EXT-X-DEFINE', define, eol)];
  if (version === undefined) inserted.unshift(tag('EXT-X-VERSION', `#EXT-X-VERSION:${DEFINE_VERSION}`, eol));
  else if (version.type === 'tag' && Number(version.value) < DEFINE_VERSION) {
    lines[versionAt] = tag('EXT-X-VERSION', `#EXT-X-VERSION:${DEFINE_VERSION}`, version.eol);
  }
  if (header >= 0 && lines[header]?.eol === '') {
    const h = lines[header];
    if (h !== undefined) lines[header] = { ...h, eol: '\n' };
  }
  lines.splice(header + 1, 0, ...inserted);
}

function tag(name: string, raw: string, eol: Line['eol']): TagLine {
  const colon = raw.indexOf(':');
  return {
    type: 'tag',
    name,
    value: raw.slice(colon + 1),
    attrs: undefined,
    attrProblem: undefined,
    raw,
    eol,
  };
}
