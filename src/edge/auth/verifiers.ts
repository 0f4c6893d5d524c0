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

type Lookup = (name: string) => string | null | undefined;

/** A verifier, the paths it guards, and how to read its format's own query/cookie fields. */
export interface ScopedVerifier {
  readonly prefix: string;
  readonly verifier: TokenVerifier;
  /** Query parameter names the native form uses (removed from the canned-policy resource URL). */
  readonly nativeParams: readonly string[];
  native(query: Lookup, cookie: Lookup): { token: string; source: 'query' | 'cookie' } | undefined;
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
            const q = fields(CLOUDFRONT_FIELDS, query);
            if (q) return { token: q, source: 'query' };
            const c = fields(CLOUDFRONT_FIELDS, (n) => cookie(`CloudFront-${n}`));
            return c ? { token: c, source: 'cookie' } : undefined;
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
          }),
          nativeParams: names,
          native: (query) => {
            const md5 = query(names[0]);
            const expires = query(names[1]);
            if (md5 == null || expires == null) return undefined;
            return {
              token: buildFields([
                ['md5', md5],
                ['expires', expires],
              ]),
              source: 'query',
            };
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

function fromOne(name: string, query: Lookup, cookie: Lookup) {
  const q = query(name);
  if (q != null && q !== '') return { token: q, source: 'query' as const };
  const c = cookie(name);
  return c != null && c !== '' ? { token: c, source: 'cookie' as const } : undefined;
}

/** `Name=value&…` of the fields present, when a Signature is among them. */
function fields(names: readonly string[], get: Lookup): string | undefined {
  const present = names.flatMap((n) => {
    const v = get(n);
    return v == null ? [] : [[n, v] as const];
  });
  return present.some(([n]) => n === 'Signature') ? buildFields(present) : undefined;
}
