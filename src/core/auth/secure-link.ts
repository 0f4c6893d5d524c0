/**
 * nginx `secure_link` / `secure_link_md5` tokens: md5 (base64url, no padding) of an expression such as
 * nginx's documented `"$secure_link_expires$uri$remote_addr secret"`, plus the expiry in seconds.
 * Carried natively as `?md5=…&expires=…`; inside our token sources as that same `md5=…&expires=…`
 * string. Pure. Signing computes MD5 here (md5.ts: Node's Web Crypto has none); the verifier is handed
 * its MD5, so the Worker uses workerd's `crypto.subtle.digest('MD5', …)` and does not bundle md5.ts.
 * The secret sits in the expression config, exactly as operators wrote it in nginx.conf.
 */
import { err, ok, type Result } from '../result.ts';
import { fromBase64Any, timingSafeEqual, toBase64Url, utf8 } from './bytes.ts';
import { md5 } from './md5.ts';
import { fieldsInOrder, parseFields } from './query-string.ts';
import { type Claims, MAX_TOKEN_LENGTH, type TokenFailure, type TokenVerifier } from './types.ts';

/** nginx's example expression; `$secret` stands for the configured secret. */
export const DEFAULT_SECURE_LINK_EXPRESSION = '$secure_link_expires$uri$remote_addr $secret';

export interface SecureLinkOptions {
  readonly secret: string;
  /** Variables: `$secure_link_expires`, `$uri` (decoded path), `$remote_addr`, `$secret`. */
  readonly expression?: string;
}

/** MD5 of some bytes: core's `md5`, or `crypto.subtle.digest('MD5', …)` where the runtime has it (workerd). */
export type Md5 = (bytes: Uint8Array<ArrayBuffer>) => Uint8Array | Promise<Uint8Array>;

interface ExpressionValues {
  readonly expires: string;
  readonly uri: string;
  readonly remoteAddr: string;
  readonly secret: string;
}

/** The string nginx hashes for these values. */
export function secureLinkInput(expression: string, v: ExpressionValues): string {
  return expression.replace(/\$(secure_link_expires|uri|remote_addr|secret)/g, (_, name: string) => {
    if (name === 'secure_link_expires') return v.expires;
    if (name === 'uri') return v.uri;
    if (name === 'remote_addr') return v.remoteAddr;
    return v.secret;
  });
}

/** md5 of the expression, base64url without padding (what nginx compares against `$arg_md5`). */
export function secureLinkHash(expression: string, v: ExpressionValues): string {
  return toBase64Url(md5(utf8(secureLinkInput(expression, v))));
}

/** @example createSecureLinkVerifier({ secret: 'secret', md5 }) */
export function createSecureLinkVerifier(options: SecureLinkOptions & { readonly md5: Md5 }): TokenVerifier {
  if (options.secret === '') throw new TypeError('securelink secret: expected a non-empty string');
  const expression = options.expression ?? DEFAULT_SECURE_LINK_EXPRESSION;
  return {
    format: 'securelink',
    looksLike: (token) => token.includes('md5='),
    async verify(token, request): Promise<Result<Claims, TokenFailure>> {
      if (token.length > MAX_TOKEN_LENGTH) return err({ reason: 'malformed', detail: 'too long' });
      const parsed = parseFields(token);
      // `md5=…&expires=…` only: repeated (parseFields) or reordered fields are other spellings.
      const fields = parsed && fieldsInOrder(parsed, ['md5', 'expires']) ? parsed : undefined;
      const md5Text = fields?.get('md5') ?? '';
      const decoded = fromBase64Any(md5Text);
      // Canonical base64url only: the last character's unused bits would give one hash 4 spellings.
      const given = decoded && toBase64Url(decoded) === md5Text ? decoded : undefined;
      const expires = fields?.get('expires') ?? '';
      if (given?.length !== 16) return err({ reason: 'malformed', detail: 'md5 is not 16 bytes' });
      if (!/^\d{1,12}$/.test(expires)) return err({ reason: 'malformed', detail: 'expires not an integer' });
      let uri: string;
      try {
        uri = decodeURI(request.path);
      } catch {
        return err({ reason: 'malformed', detail: 'path' });
      }
      const expected = await options.md5(
        utf8(
          secureLinkInput(expression, {
            expires,
            uri,
            remoteAddr: request.clientIp ?? '',
            secret: options.secret,
          }),
        ),
      );
      if (!timingSafeEqual(expected, given)) return err({ reason: 'bad-signature' });
      // The signature binds path and address (when the expression names them); exp is checked later.
      return ok({ exp: Number(expires) });
    },
  };
}

/** `md5=…&expires=…` for a path; `remoteAddr` must match what the edge will see. */
export function signSecureLink(
  o: SecureLinkOptions & { readonly path: string; readonly exp: number; readonly remoteAddr?: string },
): string {
  const expires = String(o.exp);
  const hash = secureLinkHash(o.expression ?? DEFAULT_SECURE_LINK_EXPRESSION, {
    expires,
    uri: decodeURI(o.path),
    remoteAddr: o.remoteAddr ?? '',
    secret: o.secret,
  });
  return `md5=${hash}&expires=${expires}`;
}
