/**
 * How bench viewers carry signed tokens (issue 3's two edge forms): `?token=` or a `/~t/<token>/`
 * path prefix that relative playlist URIs inherit. Pure; no signing here (the stack signs).
 */

/** Path prefix that carries a token (same as src/core/auth/signer.ts PATH_TOKEN_PREFIX). */
const PATH_PREFIX = /^\/~t\/([^/]+)(?=\/)/;

/**
 * The bare token out of what a signer returned: a token, a query-form URL or a path-form URL.
 *
 * @example tokenFrom('http://e/~t/abc/vod/ts/master.m3u8') // 'abc'
 */
export function tokenFrom(signed: string): string | undefined {
  if (!signed.includes('/') && !signed.includes('?')) return signed;
  try {
    const url = new URL(signed, 'http://x');
    return PATH_PREFIX.exec(url.pathname)?.[1] ?? url.searchParams.get('token') ?? undefined;
  } catch {
    return undefined;
  }
}

/**
 * `path` as the edge sees it after stripping a path-form token: the cache identity of a request.
 *
 * @example withoutPathToken('/~t/abc/vod/ts/seg_00001.ts') // '/vod/ts/seg_00001.ts'
 */
export function withoutPathToken(path: string): string {
  return path.replace(PATH_PREFIX, '');
}

/**
 * `path` with the token as a path prefix (path form), so relative URIs inherit it.
 *
 * @example withPathToken('/vod/ts/master.m3u8', 'abc') // '/~t/abc/vod/ts/master.m3u8'
 */
export function withPathToken(path: string, token: string): string {
  return `/~t/${token}${path}`;
}
