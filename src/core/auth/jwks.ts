/**
 * The pure half of the edge's JWKS URL cache (issue 3): validating a fetched JWKS document, pinning
 * each key to one algorithm, reading the publisher's `Cache-Control: max-age`, and deciding when a
 * refresh is due. Pure: no I/O, no clock (time comes in as arguments), no crypto, never throws on bad
 * input (bad keys are issues, not exceptions).
 */
import type { JwtAlg } from './jwt-sign.ts';

/** A key from a JWKS document, pinned to the one algorithm it may verify. */
export interface JwksKey {
  readonly kid: string;
  readonly alg: JwtAlg;
  readonly jwk: Readonly<Record<string, unknown>>;
}

/** Why one key (or the whole document) was not taken. Logged; never carries key material. */
export interface JwksIssue {
  readonly at: string;
  readonly problem: string;
}

/** Algorithms a JWKS URL may publish: public-key ones only (an HS256 `oct` key there is a leaked secret). */
export type PublicJwtAlg = Exclude<JwtAlg, 'HS256'>;

const FITS: Record<PublicJwtAlg, (k: Record<string, unknown>) => boolean> = {
  ES256: (k) => k.kty === 'EC' && k.crv === 'P-256',
  RS256: (k) => k.kty === 'RSA' && typeof k.n === 'string' && k.n.length >= 342, // ≥ 2048-bit modulus
  EdDSA: (k) => k.kty === 'OKP' && k.crv === 'Ed25519',
};
/** JWK members that only a private key has (RFC 7518 §6.2.2, §6.3.2; RFC 8037 §2). */
const PRIVATE_MEMBERS = ['d', 'p', 'q', 'dp', 'dq', 'qi', 'oth', 'k'] as const;
const MAX_KEYS = 32;

/**
 * Validates a parsed JWKS document. A key needs a non-empty `kid`; its `alg` (or, when absent, the only
 * allowed algorithm its `kty`/`crv` fits) must be one of `allowed`; `use`, when present, must be `sig`;
 * private members and `oct` keys are refused; a repeated `kid` keeps the first key.
 *
 * @example parseJwks({ keys: [{ kty: 'EC', crv: 'P-256', x, y, kid: 'k1' }] }, ['ES256']).keys[0].alg // 'ES256'
 */
export function parseJwks(
  doc: unknown,
  allowed: readonly JwtAlg[],
): { keys: JwksKey[]; issues: JwksIssue[] } {
  const keys: JwksKey[] = [];
  const issues: JwksIssue[] = [];
  const list = (doc as { keys?: unknown } | null)?.keys;
  if (typeof doc !== 'object' || doc === null || !Array.isArray(list)) {
    issues.push({ at: 'keys', problem: 'expected a JSON object with a "keys" array' });
    return { keys, issues };
  }
  const publicAllowed = allowed.filter((a): a is PublicJwtAlg => a !== 'HS256');
  for (const [i, raw] of list.slice(0, MAX_KEYS).entries()) {
    const at = `keys[${i}]`;
    if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
      issues.push({ at, problem: 'not an object' });
      continue;
    }
    const k = raw as Record<string, unknown>;
    const problem = keyProblem(k, publicAllowed, keys);
    if (typeof problem === 'string') issues.push({ at, problem });
    else keys.push(problem);
  }
  if (list.length > MAX_KEYS)
    issues.push({ at: 'keys', problem: `more than ${MAX_KEYS} keys; rest ignored` });
  return { keys, issues };
}

function keyProblem(
  k: Record<string, unknown>,
  allowed: readonly PublicJwtAlg[],
  taken: readonly JwksKey[],
): string | JwksKey {
  if (k.kty === 'oct') return 'symmetric (oct) key refused from a JWKS URL';
  if (PRIVATE_MEMBERS.some((m) => m in k)) return 'private key material refused';
  if (typeof k.kid !== 'string' || k.kid === '' || k.kid.length > 256) return 'missing or invalid kid';
  if (k.use !== undefined && k.use !== 'sig') return `use ${JSON.stringify(k.use)} is not "sig"`;
  let alg: PublicJwtAlg | undefined;
  if (k.alg !== undefined) {
    alg = allowed.find((a) => a === k.alg);
    if (!alg) return `alg ${JSON.stringify(k.alg)} not allowed`;
  } else {
    const fitting = allowed.filter((a) => FITS[a](k));
    if (fitting.length !== 1) return 'no alg and no single allowed alg fits its kty/crv';
    alg = fitting[0];
  }
  if (!alg || !FITS[alg](k)) return `kty/crv does not fit ${alg ?? 'its alg'}`;
  if (taken.some((t) => t.kid === k.kid)) return 'repeated kid; first one kept';
  return { kid: k.kid, alg, jwk: k };
}

/** Bounds for how long a fetched JWKS is trusted before a proactive refresh. */
export interface MaxAgeBounds {
  /** Floor: a publisher cannot make us refetch more often than this. */
  readonly minS: number;
  /** Ceiling and default (the operator's AUTH_JWKS_MAX_AGE_S). */
  readonly maxS: number;
}

/**
 * Seconds to trust a JWKS response: its `Cache-Control: max-age` clamped into bounds, `maxS` when the
 * header says nothing, `minS` for `no-store`/`no-cache` (RFC 9111 §5.2.2).
 *
 * @example jwksMaxAgeS('public, max-age=300', { minS: 30, maxS: 600 }) // 300
 */
export function jwksMaxAgeS(cacheControl: string | null | undefined, bounds: MaxAgeBounds): number {
  const minS = Math.min(bounds.minS, bounds.maxS);
  const directives = (cacheControl ?? '')
    .toLowerCase()
    .split(',')
    .map((d) => d.trim());
  if (directives.includes('no-store') || directives.includes('no-cache')) return minS;
  const m = directives.map((d) => /^max-age="?(\d{1,9})"?$/.exec(d)).find((x) => x);
  if (!m?.[1]) return bounds.maxS;
  return Math.min(bounds.maxS, Math.max(minS, Number(m[1])));
}

/** What the cache knows, in milliseconds since the epoch. */
export interface JwksCacheClock {
  /** When the current key set was fetched; undefined before the first success. */
  readonly fetchedAt: number | undefined;
  /** How long the current set is trusted. */
  readonly maxAgeMs: number;
  /** When the last fetch (successful or not) started; undefined before the first. */
  readonly attemptedAt: number | undefined;
  /** Minimum gap between fetches (AUTH_JWKS_REFRESH_S). */
  readonly minIntervalMs: number;
}

/**
 * Whether a lookup should fetch the JWKS first. Every fetch, whatever its trigger (first use, a stale
 * set, an unknown kid), is at most one per `minIntervalMs`, so neither a flood of forged kids nor a
 * down endpoint turns into one fetch per request.
 *
 * @example refreshDue({ fetchedAt: 0, maxAgeMs: 600_000, attemptedAt: 0, minIntervalMs: 60_000 }, 61_000, 'unknown-kid') // true
 */
export function refreshDue(clock: JwksCacheClock, now: number, trigger: 'lookup' | 'unknown-kid'): boolean {
  const allowed = clock.attemptedAt === undefined || now - clock.attemptedAt >= clock.minIntervalMs;
  if (!allowed) return false;
  if (trigger === 'unknown-kid') return true;
  return clock.fetchedAt === undefined || now - clock.fetchedAt >= clock.maxAgeMs;
}
