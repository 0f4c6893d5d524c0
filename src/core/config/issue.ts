/**
 * The config-issue kit's vocabulary: one issue shape and one line format for every service that
 * parses configuration (edge, shield, packager, dev stack, doctor).
 *
 * Pure: no I/O, no environment access. Parsers never throw on bad input; they push issues into a
 * sink and carry on, so an operator sees every problem at once.
 */

/**
 * One problem with one key: the key (with the element inside a list or JSON value, e.g.
 * `SHIELD_URLS[1]` or `GEO_RULES[2].deny.countries[0]`), what was expected, and what was found,
 * already written for a reader (`"abc"` quoted, or a description such as `invalid JSON`; never a
 * secret's value).
 */
export interface ConfigIssue<K extends string = string> {
  readonly key: K;
  readonly expected: string;
  readonly got: string;
}

/** Where parsers put issues: an array, or anything with `push`. */
export interface IssueSink<K extends string = string> {
  push(...issues: ConfigIssue<K>[]): unknown;
}

/** How long a shown value may be: enough to recognise it, not a whole JWKS. */
const SHOWN_MAX = 80;

/**
 * A found value as an issue shows it: JSON-quoted and cut to 80 characters; `undefined` → `nothing`.
 *
 * @example shown('10s') // '"10s"'
 */
export function shown(value: unknown): string {
  if (value === undefined) return 'nothing';
  const text = JSON.stringify(value) ?? String(value);
  return text.length > SHOWN_MAX ? `${text.slice(0, SHOWN_MAX - 1)}…` : text;
}

/**
 * One log-friendly line per issue.
 *
 * @example formatConfigIssue({ key: 'SHIELD_PORT', expected: 'an integer from 0 to 65535', got: '"abc"' })
 *   // 'SHIELD_PORT: expected an integer from 0 to 65535, got "abc"'
 */
export function formatConfigIssue(issue: ConfigIssue): string {
  return `${issue.key}: expected ${issue.expected}, got ${issue.got}`;
}

/**
 * Allowed values for an `expected` text.
 *
 * @example alternatives(['a', 'b', 'c']) // '"a", "b" or "c"'
 */
export function alternatives(values: readonly string[]): string {
  const quoted = values.map((v) => JSON.stringify(v));
  const last = quoted.pop();
  if (last === undefined) return 'nothing';
  return quoted.length === 0 ? last : `${quoted.join(', ')} or ${last}`;
}
