/**
 * `a=1&b=2` parsing and building for multi-field tokens (CloudFront, secure_link) inside src/core,
 * which has no URLSearchParams type. Pure. Never throws: a bad escape makes the whole string invalid.
 */

/** Fields of `a=1&b=2`; undefined when a value is badly percent-encoded or a name repeats. */
export function parseFields(text: string): Map<string, string> | undefined {
  const out = new Map<string, string>();
  for (const pair of text.split('&')) {
    // Strict: an empty pair (`a=1&&b=2`) is not a spelling we produce, so it is not one we accept.
    if (pair === '') return undefined;
    const eq = pair.indexOf('=');
    const name = eq === -1 ? pair : pair.slice(0, eq);
    const raw = eq === -1 ? '' : pair.slice(eq + 1);
    let value: string;
    try {
      value = decodeURIComponent(raw);
    } catch {
      return undefined;
    }
    if (out.has(name)) return undefined;
    out.set(name, value);
  }
  return out;
}

/**
 * True when the fields are exactly `names`, in that order: a multi-field token has one spelling, so
 * reordered, extra or missing fields never verify (anything keyed on the token string stays sound).
 */
export function fieldsInOrder(fields: ReadonlyMap<string, string>, names: readonly string[]): boolean {
  const keys = [...fields.keys()];
  return keys.length === names.length && keys.every((k, i) => k === names[i]);
}

/** `a=1&b=2` with values percent-encoded; the inverse of parseFields. */
export function buildFields(fields: readonly (readonly [string, string])[]): string {
  return fields.map(([k, v]) => `${k}=${encodeURIComponent(v)}`).join('&');
}
