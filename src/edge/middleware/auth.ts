/**
 * Viewer auth: finds the token (path `/~t/<token>/…` first, then query, cookie, Bearer, then a
 * format's native fields; Bearer first where `bearerFirst` says, i.e. WHIP/WHEP), verifies it, applies
 * the common claim rules and sets `c.var.viewer`.
 *
 * The path token was split off `c.var.path` by the path guard (into `c.var.pathToken`), so routes,
 * cache keys and the shield never see it; query tokens never reach the cache key or the shield because both keep only
 * content parameters (src/core/cache). Missing → 401, anything else → 403 with one generic body; the
 * reason goes to one structured log line. Must not cache, fetch content or decide on geo.
 */
import type { MiddlewareHandler } from 'hono';
import { checkClaims } from '../../core/auth/claims.ts';
import { bearerToken, cookieValue, cookieValues } from '../../core/auth/sources.ts';
import type { TokenFailure, TokenRequest } from '../../core/auth/types.ts';
import type { ScopedVerifier } from '../auth/verifiers.ts';
import type { AuthConfig } from '../config-auth.ts';
import type { EdgeHonoEnv, TokenSource } from '../context.ts';
import { EdgeError } from '../errors.ts';

export interface AuthOptions {
  readonly config: AuthConfig;
  readonly verifiers: readonly ScopedVerifier[];
  /** Milliseconds since the epoch. */
  readonly now: () => number;
  /** Paths served without a token (health checks). */
  readonly publicPaths: readonly string[];
  /** Paths where `Authorization: Bearer` is looked at first (WHIP/WHEP clients send it, RFC 9725 §4.5). */
  readonly bearerFirst?: (path: string) => boolean;
}

/** @example app.use(auth({ config: config.auth, verifiers, now: Date.now, publicPaths: ['/healthz'] })) */
export function auth(options: AuthOptions): MiddlewareHandler<EdgeHonoEnv> {
  const { config, verifiers } = options;
  return async function auth(c, next) {
    // The path guard already split any `/~t/<token>` prefix off c.var.path.
    const pathToken = c.var.pathToken;
    const path = c.var.path;
    if (config.mode === 'off' || options.publicPaths.includes(path)) {
      await next();
      return;
    }
    const url = new URL(c.req.url);
    const cookieHeader = c.req.header('cookie');
    const cookie = (name: string) => cookieValue(cookieHeader, name);
    const scoped = verifiers.filter((v) => path.startsWith(v.prefix));
    const bearer = bearerToken(c.req.header('authorization'));
    let found: { token: string; source: TokenSource } | undefined =
      bearer && options.bearerFirst?.(path)
        ? { token: bearer, source: 'header' }
        : pathToken !== undefined
          ? { token: pathToken, source: 'path' }
          : undefined;
    // `?token=&token=X`: empty values are skipped; two real values are ambiguous, never first-wins.
    const queryTokens = url.searchParams.getAll(config.tokenParam).filter((t) => t !== '');
    if (!found && queryTokens.length > 1)
      refuse('unknown', 'query', path, { reason: 'malformed', detail: 'token repeated' });
    if (!found && queryTokens[0] !== undefined) found = { token: queryTokens[0], source: 'query' };
    const cookieToken = cookie(config.cookieName);
    if (!found && cookieToken) found = { token: cookieToken, source: 'cookie' };
    if (!found && bearer) found = { token: bearer, source: 'header' };
    for (const v of scoped) {
      if (found) break;
      if (v.nativeParams.some((n) => url.searchParams.getAll(n).length > 1))
        refuse(v.verifier.format, 'query', path, { reason: 'malformed', detail: 'native field repeated' });
      found = v.native(url.searchParams, (n) => cookieValues(cookieHeader, n));
    }
    if (!found) throw new EdgeError('EDGE_ERR_TOKEN_MISSING', `no token for ${path}`);

    const token = found.token;
    const chosen = scoped.find((v) => v.verifier.looksLike(token));
    const resource = new URL(`${url.origin}${path}`);
    for (const [k, v] of url.searchParams) {
      if (k !== config.tokenParam && !chosen?.nativeParams.includes(k)) resource.searchParams.append(k, v);
    }
    const request: TokenRequest = {
      path,
      url: resource.toString(),
      clientIp: c.req.header('cf-connecting-ip') ?? undefined,
      now: Math.floor(options.now() / 1000),
    };
    const result: Verified = chosen
      ? await verifyOrFailure(chosen, token, request, config.skewS)
      : { ok: false, error: { reason: 'malformed', detail: 'no verifier for this token shape' } };
    if (!result.ok) refuse(chosen?.verifier.format ?? 'unknown', found.source, path, result.error);
    const claims = result.value;
    c.set('viewer', {
      token,
      source: found.source,
      queryParam: config.tokenParam,
      ...(claims.sub !== undefined ? { sub: claims.sub } : {}),
      ...(claims.sid !== undefined ? { sid: claims.sid } : {}),
      ...(claims.geo !== undefined ? { geo: claims.geo } : {}),
      ...(claims.acl !== undefined ? { acl: claims.acl } : {}),
    });
    await next();
  };
}

/** One structured log line with the reason, then the generic 403 (the reason never reaches the client). */
function refuse(format: string, source: TokenSource, path: string, failure: TokenFailure): never {
  console.warn(
    JSON.stringify({
      level: 'warn',
      event: 'token-refused',
      code: 'EDGE_ERR_TOKEN_INVALID',
      format,
      source,
      path,
      ...failure,
    }),
  );
  throw new EdgeError('EDGE_ERR_TOKEN_INVALID', 'token refused');
}

type Verified = Awaited<ReturnType<ScopedVerifier['verifier']['verify']>>;

/** Verifies and checks claims; a verifier that throws is a refusal (logged), never a 500. */
async function verifyOrFailure(
  scoped: ScopedVerifier,
  token: string,
  request: TokenRequest,
  skewS: number,
): Promise<Verified> {
  try {
    const verified = await scoped.verifier.verify(token, request);
    return verified.ok ? checkClaims(verified.value, request, skewS) : verified;
  } catch (error) {
    const failure: TokenFailure = { reason: 'malformed', detail: `verifier threw ${(error as Error)?.name}` };
    return { ok: false, error: failure };
  }
}
