/**
 * Akamai EdgeAuth tokens (`[ip=…~]st=…~exp=…~acl=…[~id=…][~data=…]~hmac=…`), as made by Akamai's
 * EdgeAuth-Token-* libraries: HMAC-SHA256 keyed with the hex-decoded secret over the fields before
 * `~hmac=`, hex digest. ACLs are `!`-separated path patterns with `*`. A URL-mode token (no acl)
 * signs `~url=<path>` appended to its fields and covers that path only. Pure apart from `subtle`.
 */
import { err, ok, type Result } from '../result.ts';
import { fromHex, timingSafeEqual, toHex, utf8 } from './bytes.ts';
import { hmacSha256, type SubtleLike } from './subtle.ts';
import { type Claims, MAX_TOKEN_LENGTH, type TokenFailure, type TokenVerifier } from './types.ts';

/** Akamai's default token name (query parameter and cookie). */
export const EDGEAUTH_PARAM = '__token__';

export interface EdgeAuthOptions {
  /** Hex secret, as Akamai property config shows it. */
  readonly key: string;
  readonly subtle: SubtleLike;
}

const FIELD = /^(ip|st|exp|acl|id|data|hmac)=(.*)$/s;

/** @example createEdgeAuthVerifier({ key: 'aabb…', subtle: crypto.subtle }) */
export function createEdgeAuthVerifier(options: EdgeAuthOptions): TokenVerifier {
  const key = fromHex(options.key);
  if (!key || key.length === 0) throw new TypeError('edgeauth key: expected a non-empty hex string');
  return {
    format: 'edgeauth',
    looksLike: (token) => token.includes('hmac=') && token.includes('exp='),
    async verify(token, request): Promise<Result<Claims, TokenFailure>> {
      if (token.length > MAX_TOKEN_LENGTH) return err({ reason: 'malformed', detail: 'too long' });
      const cut = token.lastIndexOf('~hmac=');
      if (cut <= 0) return err({ reason: 'malformed', detail: 'no hmac field' });
      const fields = new Map<string, string>();
      for (const part of token.split('~')) {
        const m = FIELD.exec(part);
        if (!m?.[1] || m[2] === undefined || fields.has(m[1]))
          return err({ reason: 'malformed', detail: 'unknown or repeated field' });
        fields.set(m[1], m[2]);
      }
      // Canonical lower-case hex only, as Akamai emits it: one token has exactly one spelling.
      const hmacText = fields.get('hmac') ?? '';
      const mac = /^[0-9a-f]{64}$/.test(hmacText) ? fromHex(hmacText) : undefined;
      if (!mac) return err({ reason: 'malformed', detail: 'hmac is not 64 lower-case hex digits' });
      const acl = fields.get('acl');
      const signed = token.slice(0, cut) + (acl === undefined ? `~url=${request.path}` : '');
      const expected = await hmacSha256(options.subtle, key, utf8(signed));
      if (!timingSafeEqual(expected, mac)) return err({ reason: 'bad-signature' });
      const num = (name: string): number | undefined | null => {
        const v = fields.get(name);
        return v === undefined ? undefined : /^\d{1,12}$/.test(v) ? Number(v) : null;
      };
      const exp = num('exp');
      const st = num('st');
      if (exp === null || st === null) return err({ reason: 'malformed', detail: 'st/exp not integers' });
      const ip = fields.get('ip');
      const sid = fields.get('id');
      return ok({
        ...(exp !== undefined ? { exp } : {}),
        ...(st !== undefined ? { nbf: st } : {}),
        // URL mode covers exactly the signed path; the signature already bound it.
        acl: acl === undefined ? [request.path] : acl.split('!').map(decodeAclEntry),
        ...(ip !== undefined ? { ip } : {}),
        ...(sid !== undefined ? { sid } : {}),
      });
    },
  };
}

function decodeAclEntry(entry: string): string {
  try {
    return decodeURIComponent(entry);
  } catch {
    return entry;
  }
}

export interface EdgeAuthSignOptions {
  readonly key: string;
  readonly exp: number;
  readonly st?: number;
  readonly acl: readonly string[];
  readonly ip?: string;
  readonly sid?: string;
}

/**
 * Makes an ACL-mode EdgeAuth token. ACL entries go in as written (EdgeAuth's escape_early=false).
 *
 * @example await signEdgeAuth(crypto.subtle, { key, exp: 1700000000, acl: ['/vod/*'] })
 */
export async function signEdgeAuth(subtle: SubtleLike, o: EdgeAuthSignOptions): Promise<string> {
  const key = fromHex(o.key);
  if (!key) throw new TypeError('edgeauth key: expected hex');
  const fields = [
    ...(o.ip !== undefined ? [`ip=${o.ip}`] : []),
    ...(o.st !== undefined ? [`st=${o.st}`] : []),
    `exp=${o.exp}`,
    `acl=${o.acl.join('!')}`,
    ...(o.sid !== undefined ? [`id=${o.sid}`] : []),
  ].join('~');
  return `${fields}~hmac=${toHex(await hmacSha256(subtle, key, utf8(fields)))}`;
}
