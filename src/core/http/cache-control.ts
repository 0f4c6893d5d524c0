/**
 * Cache-Control parsing (RFC 9111 §5.2). Pure: no I/O, no clock.
 *
 * Returns directives as data; deciding what to store and for how long is the caller's policy.
 * Never throws: malformed parts are skipped, the way caches must tolerate what origins send.
 */

/** Directive name (lower-cased) → argument, or `true` for a directive without one. */
export type CacheDirectives = ReadonlyMap<string, string | true>;

/**
 * Parses one or more Cache-Control field values (pass a joined string for repeated fields).
 * Quoted arguments may contain commas (`private="set-cookie, x"`). When a directive repeats, the
 * first occurrence wins.
 *
 * @example parseCacheControl('public, max-age=60').get('max-age') // '60'
 * @example parseCacheControl('no-store').get('no-store') // true
 */
export function parseCacheControl(header: string | null | undefined): CacheDirectives {
  const out = new Map<string, string | true>();
  if (!header) return out;
  for (const part of splitOutsideQuotes(header)) {
    const eq = part.indexOf('=');
    const name = (eq === -1 ? part : part.slice(0, eq)).trim().toLowerCase();
    if (name === '' || out.has(name)) continue;
    if (eq === -1) {
      out.set(name, true);
      continue;
    }
    let value = part.slice(eq + 1).trim();
    if (value.length >= 2 && value.startsWith('"') && value.endsWith('"')) {
      value = value.slice(1, -1).replace(/\\(.)/g, '$1');
    }
    out.set(name, value);
  }
  return out;
}

/**
 * A delta-seconds directive (`max-age`, `s-maxage`, …) as a number. `undefined` when absent;
 * `null` when present but not a valid delta-seconds, which RFC 9111 §4.2.1 says to treat as stale.
 *
 * @example deltaSeconds(parseCacheControl('max-age=30'), 'max-age') // 30
 */
export function deltaSeconds(directives: CacheDirectives, name: string): number | null | undefined {
  const value = directives.get(name);
  if (value === undefined) return undefined;
  if (value === true || !/^\d+$/.test(value)) return null;
  // RFC 9111 §1.2.2: values too large to represent are clamped to 2^31.
  return Math.min(Number(value), 2 ** 31);
}

function splitOutsideQuotes(text: string): string[] {
  const parts: string[] = [];
  let current = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i] ?? '';
    if (quoted && ch === '\\') {
      current += ch + (text[i + 1] ?? '');
      i++;
      continue;
    }
    if (ch === '"') quoted = !quoted;
    if (ch === ',' && !quoted) {
      parts.push(current);
      current = '';
      continue;
    }
    current += ch;
  }
  parts.push(current);
  return parts;
}
