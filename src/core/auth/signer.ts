/**
 * Signs edge URLs in any supported format: the library behind `npm run sign`, callable from an
 * operator's backend. Pure apart from the `subtle` it is handed; the clock comes in as `now`.
 *
 * Path form puts the token first (`/~t/<token>/vod/ts/master.m3u8`) so relative playlist URIs
 * inherit it with no manifest rewriting; query form uses each format's own parameters.
 */

import { signCloudFront } from './cloudfront.ts';
import { EDGEAUTH_PARAM, signEdgeAuth } from './edgeauth.ts';
import { type JwtSigningKey, signJwt } from './jwt-sign.ts';
import { buildFields } from './query-string.ts';
import { type SecureLinkOptions, signSecureLink } from './secure-link.ts';
import type { SubtleLike } from './subtle.ts';
import type { TokenFormat } from './types.ts';

/** Path prefix that carries a token in the path. */
export const PATH_TOKEN_PREFIX = '/~t/';
export const DEFAULT_TOKEN_PARAM = 'token';

/** Key material per format; only the ones you sign with are needed. */
export interface SignerKeys {
  readonly jwt?: JwtSigningKey;
  /** Hex EdgeAuth key. */
  readonly edgeauth?: string;
  readonly cloudfront?: { readonly keyPairId: string; readonly privateKeyPem: string };
  readonly securelink?: SecureLinkOptions;
}

export interface SignUrlOptions {
  readonly format?: TokenFormat;
  /** Seconds from `now`; negative gives an already expired token (testing). */
  readonly ttlS: number;
  /** Seconds since the epoch. */
  readonly now: number;
  /** Path prefixes; default: the directory of the signed path (a master token covers its renditions). */
  readonly acl?: readonly string[];
  readonly sub?: string;
  readonly sid?: string;
  readonly ip?: string;
  readonly allowCountries?: readonly string[];
  readonly denyCountries?: readonly string[];
  readonly in?: 'query' | 'path';
  readonly tokenParam?: string;
}

/**
 * Signs `target` (absolute URL, or a path resolved against `base`).
 *
 * @example await signUrl(crypto.subtle, keys, 'http://127.0.0.1:8787/vod/ts/master.m3u8', { ttlS: 3600, now, in: 'path' })
 */
export async function signUrl(
  subtle: SubtleLike,
  keys: SignerKeys,
  target: string,
  options: SignUrlOptions,
): Promise<string> {
  const format = options.format ?? 'jwt';
  const m = /^(https?:\/\/[^/?#]+)?(\/[^?#]*)(\?[^#]*)?$/.exec(target);
  if (!m?.[2])
    throw new TypeError(`sign: expected an absolute URL or a /path, got ${JSON.stringify(target)}`);
  const origin = m[1] ?? '';
  const path = m[2];
  const query = m[3] ?? '';
  const exp = Math.floor(options.now + options.ttlS);
  const acl = options.acl ?? [path.slice(0, path.lastIndexOf('/') + 1)];
  const where = options.in ?? 'query';
  if (where === 'path' && format !== 'jwt') throw new TypeError('sign: path form is for JWT tokens only');
  const appendQuery = (fields: string) => `${origin}${path}${query === '' ? '?' : `${query}&`}${fields}`;
  switch (format) {
    case 'jwt': {
      if (!keys.jwt) throw new TypeError('sign: no JWT key');
      const geo = {
        ...(options.allowCountries ? { allow: options.allowCountries } : {}),
        ...(options.denyCountries ? { deny: options.denyCountries } : {}),
      };
      const token = await signJwt(subtle, keys.jwt, {
        iat: Math.floor(options.now),
        exp,
        acl,
        ...(options.sub !== undefined ? { sub: options.sub } : {}),
        ...(options.sid !== undefined ? { sid: options.sid } : {}),
        ...(options.ip !== undefined ? { ip: options.ip } : {}),
        ...(Object.keys(geo).length > 0 ? { geo } : {}),
      });
      if (where === 'path') return `${origin}${PATH_TOKEN_PREFIX}${token}${path}${query}`;
      return appendQuery(buildFields([[options.tokenParam ?? DEFAULT_TOKEN_PARAM, token]]));
    }
    case 'edgeauth': {
      if (keys.edgeauth === undefined) throw new TypeError('sign: no EdgeAuth key');
      const token = await signEdgeAuth(subtle, {
        key: keys.edgeauth,
        exp,
        st: Math.floor(options.now),
        acl: acl.map((a) => (a.endsWith('/') ? `${a}*` : a)),
        ...(options.ip !== undefined ? { ip: options.ip } : {}),
        ...(options.sid !== undefined ? { sid: options.sid } : {}),
      });
      return appendQuery(buildFields([[EDGEAUTH_PARAM, token]]));
    }
    case 'cloudfront': {
      if (!keys.cloudfront) throw new TypeError('sign: no CloudFront key');
      const first = acl[0] ?? '/';
      const fields = await signCloudFront(subtle, {
        ...keys.cloudfront,
        resource: `${origin}${first}${first.endsWith('/') ? '*' : ''}`,
        exp,
        custom: true,
        ...(options.ip !== undefined ? { ip: options.ip } : {}),
      });
      return appendQuery(fields);
    }
    case 'securelink': {
      if (!keys.securelink) throw new TypeError('sign: no secure_link secret');
      return appendQuery(
        signSecureLink({ ...keys.securelink, path, exp, ...(options.ip ? { remoteAddr: options.ip } : {}) }),
      );
    }
    default: {
      const unreachable: never = format;
      throw new TypeError(`sign: unknown format ${String(unreachable)}`);
    }
  }
}
