/**
 * Builds the edge's token verifiers from parsed config, once per isolate, and says where each
 * format's native token lives (EdgeAuth `__token__`, CloudFront `Expires|Policy/Signature/Key-Pair-Id`
 * query or `CloudFront-*` cookies, secure_link `md5`/`expires`). Must not read env or verify anything.
 */
import { CLOUDFRONT_FIELDS, createCloudFrontVerifier } from '../../core/auth/cloudfront.ts';
import { createEdgeAuthVerifier } from '../../core/auth/edgeauth.ts';
import { buildFields } from '../../core/auth/query-string.ts';
import { createSecureLinkVerifier } from '../../core/auth/secure-link.ts';
import type { SubtleLike } from '../../core/auth/subtle.ts';
import type { TokenVerifier } from '../../core/auth/types.ts';
import type { AuthConfig } from '../config-auth.ts';
import { createJwtVerifier } from './jwt-verifier.ts';

/** Every value sent for one cookie name, in header order. */
type CookieLookup = (name: string) => readonly string[];

/** A verifier, the paths it guards, and how to read its format's own query/cookie fields. */
export interface ScopedVerifier {
  readonly prefix: string;
  readonly verifier: TokenVerifier;
  /**
   * Query parameter names the native form uses (removed from the canned-policy resource URL). One
   * of them sent twice is refused by the auth middleware: no first-value-wins.
   */
  readonly nativeParams: readonly string[];
  /**
   * The native token as `name=value&…` with the fields in the order the request sent them (query)
   * and every repeat kept, so the verifier's canonical-form check sees reordered or repeated fields.
   */
  native(
    query: URLSearchParams,
    cookie: CookieLookup,
  ): { token: string; source: 'query' | 'cookie' } | undefined;
}

const none = () => undefined;

/** @example createVerifiers(config.auth, { subtle: crypto.subtle, fetch }) */
export function createVerifiers(
  config: AuthConfig,
  deps: { readonly subtle: SubtleLike; readonly fetch: typeof fetch },
): readonly ScopedVerifier[] {
  const out: ScopedVerifier[] = [];
  if (config.jwt) {
    const verifier = createJwtVerifier({
      ...(config.jwt.jwks ? { jwks: { keys: config.jwt.jwks.keys.map((k) => ({ ...k })) } } : {}),
      ...(config.jwt.jwksUrl !== undefined ? { jwksUrl: config.jwt.jwksUrl } : {}),
      algorithms: config.jwt.algorithms,
      refreshS: config.jwt.refreshS,
      cacheMaxAgeS: config.jwt.cacheMaxAgeS,
      fetch: deps.fetch,
    });
    out.push({ prefix: '/', verifier, nativeParams: [], native: none });
  }
  for (const spec of config.verifiers) {
    switch (spec.format) {
      case 'edgeauth':
        out.push({
          prefix: spec.prefix,
          verifier: createEdgeAuthVerifier({ key: spec.key, subtle: deps.subtle }),
          nativeParams: [spec.param],
          native: (query, cookie) => fromOne(spec.param, query, cookie),
        });
        break;
      case 'cloudfront':
        out.push({
          prefix: spec.prefix,
          verifier: createCloudFrontVerifier({ keys: spec.keys, subtle: deps.subtle }),
          nativeParams: CLOUDFRONT_FIELDS,
          native: (query, cookie) => {
            const q = [...query].filter(([n]) => CLOUDFRONT_FIELDS.some((f) => f === n));
            if (hasSignature(q)) return { token: buildFields(q), source: 'query' };
            // Browsers order cookies themselves (RFC 6265 §5.4), so cookie fields take the canonical order.
            const c = CLOUDFRONT_FIELDS.flatMap((n) => cookie(`CloudFront-${n}`).map((v) => [n, v] as const));
            return hasSignature(c) ? { token: buildFields(c), source: 'cookie' } : undefined;
          },
        });
        break;
      case 'securelink': {
        const names = [spec.md5Param, spec.expiresParam] as const;
        out.push({
          prefix: spec.prefix,
          verifier: createSecureLinkVerifier({
            secret: spec.secret,
            ...(spec.expression !== undefined ? { expression: spec.expression } : {}),
            // workerd's Web Crypto has MD5, so core's md5.ts stays out of the Worker bundle.
            md5: async (bytes) => new Uint8Array(await deps.subtle.digest('MD5', bytes)),
          }),
          nativeParams: names,
          native: (query) => {
            const q = [...query].flatMap(([n, v]): [string, string][] =>
              n === names[0] ? [['md5', v]] : n === names[1] ? [['expires', v]] : [],
            );
            if (!q.some(([n]) => n === 'md5') || !q.some(([n]) => n === 'expires')) return undefined;
            return { token: buildFields(q), source: 'query' };
          },
        });
        break;
      }
      default: {
        const unreachable: never = spec;
        throw new TypeError(`unknown verifier ${JSON.stringify(unreachable)}`);
      }
    }
  }
  return out;
}

function fromOne(name: string, query: URLSearchParams, cookie: CookieLookup) {
  const q = query.get(name);
  if (q != null && q !== '') return { token: q, source: 'query' as const };
  const c = cookie(name)[0];
  return c != null && c !== '' ? { token: c, source: 'cookie' as const } : undefined;
}

function hasSignature(fields: readonly (readonly [string, string])[]): boolean {
  return fields.some(([n]) => n === 'Signature');
}
