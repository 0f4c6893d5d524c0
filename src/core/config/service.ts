/**
 * Settings every Node service parses the same way (shield, RTC media server): the edge's shared
 * secret with its `*_AUTH` switch, an NDJSON sink (`off`, `stdout`, or a file), the CORS origins and
 * an optional service URL. Pure; pushes issues, never throws.
 */
import { type IssueSink, shown } from './issue.ts';
import { readList, readOneOf } from './read.ts';
import { parseBaseUrl, parseCorsOrigin } from './url.ts';

/**
 * `<P>_AUTH=required` needs `<P>_SHARED_SECRET`; `off` refuses one (an operator who set a secret
 * meant to use it); an empty secret is refused (a templating mistake, not "open"). Returns the
 * secret to check, or undefined when auth is off.
 *
 * @example readSharedSecret('required', 's', { auth: 'RTC_AUTH', secret: 'RTC_SHARED_SECRET' }, issues) // 's'
 */
export function readSharedSecret<K extends string>(
  auth: string,
  secret: string | undefined,
  keys: { readonly auth: K; readonly secret: K },
  issues: IssueSink<K>,
): string | undefined {
  if (auth !== 'required' && auth !== 'off') {
    readOneOf(auth, { key: keys.auth, allowed: ['required', 'off'] }, issues);
  } else if (secret === '') {
    issues.push({ key: keys.secret, expected: 'a non-empty secret', got: shown('') });
  } else if (auth === 'required' && secret === undefined) {
    issues.push({
      key: keys.secret,
      expected: `the edge's shared secret (or ${keys.auth}=off on a trusted network)`,
      got: shown(undefined),
    });
  } else if (auth === 'off' && secret !== undefined) {
    issues.push({ key: keys.auth, expected: `required when ${keys.secret} is set`, got: shown('off') });
  }
  return auth === 'required' ? secret : undefined;
}

/**
 * An NDJSON sink: `off` → undefined, `stdout` or `-` → `-`, else a file path (appended).
 *
 * @example readLogSink('stdout', 'SHIELD_EGRESS_LOG', issues) // '-'
 */
export function readLogSink<K extends string>(raw: string, key: K, issues: IssueSink<K>): string | undefined {
  const value = raw.trim();
  if (value === 'off') return undefined;
  if (value === 'stdout' || value === '-') return '-';
  if (value === '' || value.includes('\0')) {
    issues.push({ key, expected: 'off, stdout or a file path', got: shown(raw) });
    return undefined;
  }
  return value;
}

/**
 * `*_CORS_ORIGINS`: `*` or a comma-separated list of exact origins (`https://player.example`).
 *
 * @example readCorsOrigins('*', 'RTC_CORS_ORIGINS', issues) // ['*']
 */
export function readCorsOrigins<K extends string>(
  raw: string,
  key: K,
  issues: IssueSink<K | `${K}[${number}]`>,
): string[] {
  return readList(
    raw,
    { key, min: 1, what: '"*" or a comma-separated list of origins', parse: parseCorsOrigin },
    issues,
  );
}

/**
 * An optional service base URL (parseBaseUrl): `off` or empty → undefined (the feature is off).
 *
 * @example readOptionalBaseUrl('https://edge.example/', 'RTC_USAGE_URL', 'the edge', issues) // 'https://edge.example'
 */
export function readOptionalBaseUrl<K extends string>(
  raw: string,
  key: K,
  what: string,
  issues: IssueSink<K>,
): string | undefined {
  const value = raw.trim();
  if (value === '' || value === 'off') return undefined;
  const parsed = parseBaseUrl(value);
  if ('value' in parsed) return parsed.value;
  issues.push({ key, expected: `${what}: ${parsed.expected}, or "off"`, got: shown(raw) });
  return undefined;
}
