/**
 * Auth configuration (issue 3): parses the AUTH_* bindings into a typed object, collecting issues that
 * name the key. Called from parseEdgeConfig only. Fails closed: AUTH_MODE=required with no key
 * configured is an issue (the edge then answers 500 EDGE_ERR_CONFIG), never an open door.
 */
import { DEFAULT_CLOCK_SKEW_S } from '../core/auth/claims.ts';
import { JWT_ALGS, type JwtAlg } from '../core/auth/jwt-sign.ts';
import { DEFAULT_TOKEN_PARAM } from '../core/auth/signer.ts';
import { type ConfigIssue, type IssueSink as KitSink, shown } from '../core/config/issue.ts';
import { readInteger, readList, readOneOf } from '../core/config/read.ts';
import type { GeoEnv } from './config-geo.ts';

export interface AuthEnv {
  /** `required` (default) or `off`. */
  readonly AUTH_MODE?: string;
  /** Inline JWKS JSON (`{"keys":[…]}`); every key needs `kid` and `alg`. A secret when it holds HS256 keys. */
  readonly AUTH_JWKS?: string;
  /** JWKS URL fetched and cached at the edge. */
  readonly AUTH_JWKS_URL?: string;
  /** Algorithms accepted for JWKS-URL keys (comma list). Default `ES256,RS256,EdDSA`. */
  readonly AUTH_JWKS_ALGS?: string;
  /** Minimum seconds between JWKS fetches, whatever triggers them (unknown kid, stale set). Default 60. */
  readonly AUTH_JWKS_REFRESH_S?: string;
  /** Seconds a fetched JWKS is trusted (ceiling for its Cache-Control max-age, floor 30). Default 600. */
  readonly AUTH_JWKS_MAX_AGE_S?: string;
  /** JSON list of other-format verifiers per path prefix (a secret: it holds keys). */
  readonly AUTH_VERIFIERS?: string;
  readonly AUTH_TOKEN_PARAM?: string;
  readonly AUTH_COOKIE?: string;
  readonly AUTH_CLOCK_SKEW_S?: string;
}

export type VerifierSpec =
  | { readonly prefix: string; readonly format: 'edgeauth'; readonly key: string; readonly param: string }
  | {
      readonly prefix: string;
      readonly format: 'cloudfront';
      readonly keys: Readonly<Record<string, string>>;
    }
  | {
      readonly prefix: string;
      readonly format: 'securelink';
      readonly secret: string;
      readonly expression?: string;
      readonly md5Param: string;
      readonly expiresParam: string;
    };

export interface AuthConfig {
  readonly mode: 'required' | 'off';
  readonly jwt:
    | {
        readonly jwks?: { readonly keys: readonly Record<string, unknown>[] };
        readonly jwksUrl?: string;
        readonly algorithms: readonly JwtAlg[];
        readonly refreshS: number;
        readonly cacheMaxAgeS: number;
      }
    | undefined;
  readonly verifiers: readonly VerifierSpec[];
  readonly tokenParam: string;
  readonly cookieName: string;
  readonly skewS: number;
}

type IssueRoot = keyof AuthEnv | keyof GeoEnv;
/** Issue keys name the binding and, inside JSON, the element: `AUTH_JWKS[0].alg`. */
export type AuthIssueKey = IssueRoot | `${IssueRoot}[${number}]${string}`;

export type AuthConfigIssue = ConfigIssue<AuthIssueKey>;

/** Where issues go: config.ts passes its own issue list. */
export type IssueSink = KitSink<AuthIssueKey>;

export const AUTH_DEFAULTS = {
  AUTH_MODE: 'required',
  AUTH_JWKS_ALGS: 'ES256,RS256,EdDSA',
  AUTH_JWKS_REFRESH_S: '60',
  AUTH_JWKS_MAX_AGE_S: '600',
  AUTH_TOKEN_PARAM: DEFAULT_TOKEN_PARAM,
  AUTH_COOKIE: 'edgeshield_token',
  AUTH_CLOCK_SKEW_S: String(DEFAULT_CLOCK_SKEW_S),
} as const;

const KTY_FOR: Record<JwtAlg, (k: Record<string, unknown>) => boolean> = {
  ES256: (k) => k.kty === 'EC' && k.crv === 'P-256',
  RS256: (k) => k.kty === 'RSA',
  EdDSA: (k) => k.kty === 'OKP' && k.crv === 'Ed25519',
  HS256: (k) => k.kty === 'oct' && typeof k.k === 'string' && k.k.length >= 43,
};
const NAME = /^[A-Za-z0-9_.-]{1,64}$/;

/** @example parseAuthConfig({ AUTH_MODE: 'off' }, issues).mode // 'off' */
export function parseAuthConfig(
  env: AuthEnv,
  issues: IssueSink,
  /** keysFromStore: tenant signing keys come from the control store (issue 15), so none here is fine. */
  options: { readonly keysFromStore?: boolean } = {},
): AuthConfig {
  const mode = readOneOf(
    env.AUTH_MODE ?? AUTH_DEFAULTS.AUTH_MODE,
    { key: 'AUTH_MODE', allowed: ['required', 'off'] },
    issues,
  );
  const int = (
    key: 'AUTH_CLOCK_SKEW_S' | 'AUTH_JWKS_REFRESH_S' | 'AUTH_JWKS_MAX_AGE_S',
    max: number,
    min = 0,
  ) => readInteger(env[key] ?? AUTH_DEFAULTS[key], { key, min, max, unit: 'seconds' }, issues);
  const skewS = int('AUTH_CLOCK_SKEW_S', 600);
  const refreshS = int('AUTH_JWKS_REFRESH_S', 86_400);
  const maxAgeS = int('AUTH_JWKS_MAX_AGE_S', 86_400, 1);
  const tokenParam = env.AUTH_TOKEN_PARAM ?? AUTH_DEFAULTS.AUTH_TOKEN_PARAM;
  const cookieName = env.AUTH_COOKIE ?? AUTH_DEFAULTS.AUTH_COOKIE;
  if (!NAME.test(tokenParam))
    issues.push({
      key: 'AUTH_TOKEN_PARAM',
      expected: 'a parameter name [A-Za-z0-9_.-]',
      got: shown(tokenParam),
    });
  if (!NAME.test(cookieName))
    issues.push({ key: 'AUTH_COOKIE', expected: 'a cookie name [A-Za-z0-9_.-]', got: shown(cookieName) });

  const algorithms = new Set<JwtAlg>();
  let jwks: { keys: Record<string, unknown>[] } | undefined;
  if (env.AUTH_JWKS !== undefined && env.AUTH_JWKS.trim() !== '') {
    jwks = parseJwks(env.AUTH_JWKS, issues, algorithms);
  }
  const jwksUrl = env.AUTH_JWKS_URL?.trim() || undefined;
  if (jwksUrl !== undefined) {
    if (!URL.canParse(jwksUrl) || !/^https?:$/.test(new URL(jwksUrl).protocol))
      issues.push({ key: 'AUTH_JWKS_URL', expected: 'an absolute http(s) URL', got: shown(jwksUrl) });
    const algs = readList(
      env.AUTH_JWKS_ALGS ?? AUTH_DEFAULTS.AUTH_JWKS_ALGS,
      {
        key: 'AUTH_JWKS_ALGS',
        what: 'a comma-separated list of algorithms',
        // A JWKS URL publishes public keys; HS256 there would mean a published secret.
        parse: (a) =>
          a !== 'HS256' && (JWT_ALGS as readonly string[]).includes(a)
            ? { value: a as JwtAlg }
            : { expected: 'ES256, RS256 or EdDSA' },
      },
      issues,
    );
    for (const a of algs) algorithms.add(a);
  }
  const verifiers = env.AUTH_VERIFIERS?.trim() ? parseVerifiers(env.AUTH_VERIFIERS, issues) : [];
  const hasJwt = (jwks?.keys.length ?? 0) > 0 || jwksUrl !== undefined;
  if (mode === 'required' && !hasJwt && verifiers.length === 0 && options.keysFromStore !== true)
    issues.push({
      key: 'AUTH_MODE',
      expected: 'AUTH_JWKS, AUTH_JWKS_URL or AUTH_VERIFIERS when auth is required (or AUTH_MODE=off)',
      got: '"required" with no key configured',
    });
  return {
    mode: mode === 'off' ? 'off' : 'required',
    jwt: hasJwt
      ? {
          ...(jwks ? { jwks } : {}),
          ...(jwksUrl !== undefined ? { jwksUrl } : {}),
          algorithms: [...algorithms],
          refreshS,
          cacheMaxAgeS: maxAgeS,
        }
      : undefined,
    verifiers,
    tokenParam,
    cookieName,
    skewS,
  };
}

function parseJwks(text: string, issues: IssueSink, algorithms: Set<JwtAlg>) {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    issues.push({ key: 'AUTH_JWKS', expected: 'JSON {"keys":[…]}', got: 'invalid JSON' });
    return undefined;
  }
  const keys = (parsed as { keys?: unknown } | null)?.keys;
  if (!Array.isArray(keys)) {
    issues.push({ key: 'AUTH_JWKS', expected: 'JSON {"keys":[…]}', got: 'no keys array' });
    return undefined;
  }
  const out: Record<string, unknown>[] = [];
  for (const [i, k] of keys.entries()) {
    const key = k as Record<string, unknown>;
    const alg = key?.alg as JwtAlg;
    // Never echo key material: only say which field is wrong.
    if (typeof key !== 'object' || key === null || !(JWT_ALGS as readonly unknown[]).includes(alg)) {
      issues.push({
        key: `AUTH_JWKS[${i}].alg`,
        expected: `one of ${JWT_ALGS.join(', ')} (pinned per key)`,
        got: shown(key?.alg),
      });
    } else if (!KTY_FOR[alg](key)) {
      issues.push({
        key: `AUTH_JWKS[${i}]`,
        expected: `a ${alg} key (matching kty/crv; HS256 ≥ 256-bit k)`,
        got: `kty ${shown(key.kty)}`,
      });
    } else if (alg !== 'HS256' && 'd' in key) {
      issues.push({
        key: `AUTH_JWKS[${i}].d`,
        expected: 'a public key (no private part at the edge)',
        got: 'a private key',
      });
    } else if (typeof key.kid !== 'string' || key.kid === '') {
      issues.push({
        key: `AUTH_JWKS[${i}].kid`,
        expected: 'a non-empty kid (rotation selects by kid)',
        got: shown(key.kid),
      });
    } else {
      algorithms.add(alg);
      out.push(key);
    }
  }
  return { keys: out };
}

function parseVerifiers(text: string, issues: IssueSink): VerifierSpec[] {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    issues.push({ key: 'AUTH_VERIFIERS', expected: 'a JSON array', got: 'invalid JSON' });
    return [];
  }
  if (!Array.isArray(parsed)) {
    issues.push({ key: 'AUTH_VERIFIERS', expected: 'a JSON array', got: shown(parsed) });
    return [];
  }
  const out: VerifierSpec[] = [];
  for (const [i, raw] of parsed.entries()) {
    const at = `AUTH_VERIFIERS[${i}]` as const;
    const v = (typeof raw === 'object' && raw !== null ? raw : {}) as Record<string, unknown>;
    const prefix = typeof v.prefix === 'string' && v.prefix.startsWith('/') ? v.prefix : undefined;
    if (prefix === undefined)
      issues.push({ key: `${at}.prefix`, expected: 'a path prefix starting with /', got: shown(v.prefix) });
    const str = (name: string, valid: (s: string) => boolean, expected: string): string | undefined => {
      const s = v[name];
      if (typeof s === 'string' && valid(s)) return s;
      issues.push({
        key: `${at}.${name}`,
        expected,
        got: typeof s === 'string' ? 'an invalid value' : shown(s),
      });
      return undefined;
    };
    const opt = (name: string, fallback: string) =>
      typeof v[name] === 'string' && NAME.test(v[name] as string) ? (v[name] as string) : fallback;
    if (v.format === 'edgeauth') {
      const key = str('key', (s) => /^([0-9a-fA-F]{2}){16,}$/.test(s), 'a hex key of at least 16 bytes');
      if (prefix && key) out.push({ prefix, format: 'edgeauth', key, param: opt('param', '__token__') });
    } else if (v.format === 'cloudfront') {
      const keys = v.keys as Record<string, unknown> | undefined;
      const ok =
        typeof keys === 'object' &&
        keys !== null &&
        Object.values(keys).every((p) => typeof p === 'string' && p.includes('BEGIN PUBLIC KEY'));
      if (!ok || Object.keys(keys ?? {}).length === 0)
        issues.push({
          key: `${at}.keys`,
          expected: '{ "<Key-Pair-Id>": "<SPKI PEM public key>" }',
          got: 'something else',
        });
      else if (prefix) out.push({ prefix, format: 'cloudfront', keys: keys as Record<string, string> });
    } else if (v.format === 'securelink') {
      const secret = str('secret', (s) => s.length >= 8, 'a secret of at least 8 characters');
      const expression = typeof v.expression === 'string' ? v.expression : undefined;
      if (prefix && secret)
        out.push({
          prefix,
          format: 'securelink',
          secret,
          ...(expression !== undefined ? { expression } : {}),
          md5Param: opt('md5Param', 'md5'),
          expiresParam: opt('expiresParam', 'expires'),
        });
    } else {
      issues.push({
        key: `${at}.format`,
        expected: '"edgeauth", "cloudfront" or "securelink" (JWT uses AUTH_JWKS)',
        got: shown(v.format),
      });
    }
  }
  return out;
}
