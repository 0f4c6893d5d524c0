/**
 * Attribute lists (RFC 8216 §4.2): parsing with value offsets, and in-place value replacement that
 * leaves every other byte of the line (order, unknown attributes, spacing, quoting) untouched.
 * Pure: no I/O. Never throws: a malformed list yields the attributes read so far plus a problem.
 */
import type { Attribute } from './model.ts';

export interface AttributeListParse {
  readonly attrs: readonly Attribute[];
  /** Why parsing stopped early, when it did. */
  readonly problem: string | undefined;
}

const COMMA = 44;
const QUOTE = 34;
const SPACE = 32;
const TAB = 9;

/**
 * Parses the attribute list that starts at `from` in `raw` (the whole line, so offsets are line
 * offsets). Tolerates spaces around names and commas, which some packagers emit.
 *
 * @example parseAttributeList('#EXT-X-KEY:METHOD=AES-128,URI="k.key"', 11).attrs[1] // { name: 'URI', value: 'k.key', quoted: true, start: 31, end: 36 }
 */
export function parseAttributeList(raw: string, from: number): AttributeListParse {
  const attrs: Attribute[] = [];
  const n = raw.length;
  let i = from;
  while (i < n) {
    while (i < n && isSpace(raw.charCodeAt(i))) i++;
    if (i >= n) break;
    const eq = raw.indexOf('=', i);
    if (eq < 0) return { attrs, problem: `attribute without "=" at column ${i + 1}` };
    const name = raw.slice(i, eq).trim();
    // RFC 8216 §4.2: AttributeName is [A-Z0-9-]; we accept any non-empty name but not a comma in it.
    if (name === '' || name.includes(',')) return { attrs, problem: `bad attribute name at column ${i + 1}` };
    i = eq + 1;
    if (raw.charCodeAt(i) === QUOTE) {
      // RFC 8216 §4.2: a quoted-string "MUST NOT include" a double quote, CR or LF: no escapes exist,
      // so the value runs to the next double quote.
      const close = raw.indexOf('"', i + 1);
      if (close < 0) return { attrs, problem: `unterminated quoted-string for ${name}` };
      attrs.push({ name, value: raw.slice(i + 1, close), quoted: true, start: i + 1, end: close });
      i = close + 1;
      while (i < n && isSpace(raw.charCodeAt(i))) i++;
      if (i < n && raw.charCodeAt(i) !== COMMA) {
        return { attrs, problem: `expected "," after ${name} at column ${i + 1}` };
      }
      i++;
    } else {
      let end = raw.indexOf(',', i);
      if (end < 0) end = n;
      let valueEnd = end;
      while (valueEnd > i && isSpace(raw.charCodeAt(valueEnd - 1))) valueEnd--;
      attrs.push({ name, value: raw.slice(i, valueEnd), quoted: false, start: i, end: valueEnd });
      i = end + 1;
    }
  }
  return { attrs, problem: undefined };
}

function isSpace(code: number): boolean {
  return code === SPACE || code === TAB;
}

/** A replacement of one attribute value (offsets from `Attribute`). */
export interface ValueEdit {
  readonly start: number;
  readonly end: number;
  readonly text: string;
}

/**
 * Applies value edits to a line, keeping everything else byte for byte. Edits must not overlap.
 *
 * @example spliceValues('#EXT-X-MAP:URI="a.mp4"', [{ start: 16, end: 21, text: 'b.mp4' }]) // '#EXT-X-MAP:URI="b.mp4"'
 */
export function spliceValues(raw: string, edits: readonly ValueEdit[]): string {
  if (edits.length === 0) return raw;
  const sorted = edits.length === 1 ? edits : [...edits].sort((a, b) => a.start - b.start);
  let out = '';
  let at = 0;
  for (const edit of sorted) {
    out += raw.slice(at, edit.start) + edit.text;
    at = edit.end;
  }
  return out + raw.slice(at);
}

/**
 * Makes text safe inside a quoted-string: RFC 8216 §4.2 forbids `"`, CR and LF there, and a URI
 * may carry them percent-encoded instead (RFC 3986 §2.1).
 */
export function quotedSafe(text: string): string {
  return /["\r\n]/.test(text) ? text.replace(/"/g, '%22').replace(/\r/g, '%0D').replace(/\n/g, '%0A') : text;
}

/** RFC 8216 §4.2 decimal-integer, or undefined when the text is not one. */
export function decimalInteger(value: string | undefined): number | undefined {
  if (value === undefined || !/^\d{1,16}$/.test(value)) return undefined;
  return Number(value);
}

/** RESOLUTION `<width>x<height>` (RFC 8216 §4.2 decimal-resolution) → height. */
export function resolutionHeight(value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const x = value.indexOf('x');
  return x < 0 ? undefined : decimalInteger(value.slice(x + 1));
}
