/**
 * The config-issue kit's readers: one string setting → a typed value, or an issue naming the key.
 *
 * Pure: no I/O, no environment access, no defaults (each service keeps its own defaults and passes
 * the raw value, default already applied). Never throws: a bad value pushes one issue and returns a
 * harmless placeholder so parsing can continue and report everything at once.
 */
import { alternatives, type IssueSink, shown } from './issue.ts';

/** Bounds of a whole number; `unit` is written into the expectation ("milliseconds"). */
export interface IntegerSpec<K extends string> {
  readonly key: K;
  readonly min: number;
  readonly max: number;
  readonly unit?: string;
}

/**
 * A whole number in [min, max] (decimal digits only, surrounding space ignored), else an issue and
 * `min`.
 *
 * @example readInteger('8081', { key: 'SHIELD_PORT', min: 0, max: 65535 }, issues) // 8081
 */
export function readInteger<K extends string>(
  raw: string,
  spec: IntegerSpec<K>,
  issues: IssueSink<K>,
): number {
  const text = raw.trim();
  const n = /^\d{1,16}$/.test(text) ? Number(text) : Number.NaN;
  if (Number.isSafeInteger(n) && n >= spec.min && n <= spec.max) return n;
  const what = spec.unit === undefined ? 'an integer' : `an integer number of ${spec.unit}`;
  const range =
    spec.max >= Number.MAX_SAFE_INTEGER ? `of at least ${spec.min}` : `from ${spec.min} to ${spec.max}`;
  issues.push({ key: spec.key, expected: `${what} ${range}`, got: shown(raw) });
  return spec.min;
}

/**
 * One of a fixed set of words (surrounding space ignored, case kept), else an issue and the first.
 *
 * @example readOneOf('off', { key: 'AUTH_MODE', allowed: ['required', 'off'] }, issues) // 'off'
 */
export function readOneOf<K extends string, V extends string>(
  raw: string,
  spec: { readonly key: K; readonly allowed: readonly [V, ...V[]] },
  issues: IssueSink<K>,
): V {
  const value = spec.allowed.find((a) => a === raw.trim());
  if (value !== undefined) return value;
  issues.push({ key: spec.key, expected: alternatives(spec.allowed), got: shown(raw) });
  return spec.allowed[0];
}

/**
 * An `on`/`off` switch (any case), else an issue and `false`.
 *
 * @example readOnOff('ON', 'COMPRESS_PLAYLISTS', issues) // true
 */
export function readOnOff<K extends string>(raw: string, key: K, issues: IssueSink<K>): boolean {
  const value = raw.trim().toLowerCase();
  if (value === 'on') return true;
  if (value !== 'off') issues.push({ key, expected: alternatives(['on', 'off']), got: shown(raw) });
  return false;
}

/** What one list element is: `parse` returns the value, or the expectation it failed. */
export interface ListSpec<K extends string, T> {
  readonly key: K;
  /** At least this many elements (an empty list says `expected <what>, got ""`). */
  readonly min?: number;
  /** Describes the whole list for the "too few" issue: "a comma-separated list of shield URLs". */
  readonly what: string;
  readonly parse: (item: string) => { readonly value: T } | { readonly expected: string };
}

/**
 * A comma-separated list; empty elements are dropped, each kept element is parsed and a bad one
 * becomes an issue keyed `KEY[i]` (i counts the kept elements).
 *
 * @example readList('a, ,b', { key: 'CACHE_KEY_PARAMS', what: 'names', parse: (s) => ({ value: s }) }, issues)
 *   // ['a', 'b']
 */
export function readList<K extends string, T>(
  raw: string,
  spec: ListSpec<K, T>,
  issues: IssueSink<K | `${K}[${number}]`>,
): T[] {
  const items = raw
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '');
  if (items.length < (spec.min ?? 0)) {
    issues.push({ key: spec.key, expected: spec.what, got: shown(raw) });
    return [];
  }
  const out: T[] = [];
  for (const [i, item] of items.entries()) {
    const r = spec.parse(item);
    if ('value' in r) out.push(r.value);
    else issues.push({ key: `${spec.key}[${i}]`, expected: r.expected, got: shown(item) });
  }
  return out;
}
