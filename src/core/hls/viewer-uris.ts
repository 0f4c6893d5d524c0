/**
 * The URI mapper for one viewer and region: host mapping and token injection for every URI in a
 * playlist. Pure: no I/O; string operations only (WHATWG URL would percent-encode `{$var}`
 * references and costs too much per segment).
 *
 * Rules, per URI:
 * - URIs of another scheme (skd:, data:) and absolute URIs on hosts that are not ours are left
 *   alone: a viewer's token never goes to a third party.
 * - With a mapped `origin`, our URIs become absolute on that origin (all of them, or media only).
 * - The token goes into every URI of ours (or only playlists and keys when media is served
 *   tokenless by path ACL; keys always keep it), in the form it arrived:
 *     query  → `?<param>=<token>` added or replaced;
 *     define → `?<param>={$<param>}` (the playlist gets EXT-X-DEFINE:QUERYPARAM);
 *     path   → `/~t/<token>` prefix on absolute and root-relative URIs; relative URIs already
 *              resolve under the prefixed playlist URL, so they stay as they are.
 */
import type { MapUri } from './rewrite.ts';

/** Path prefix that carries a token (DESIGN.md "Tokens": `/~t/<token>/…`). */
export const PATH_TOKEN_PREFIX = '/~t/';

export type TokenForm = 'query' | 'path' | 'define';

export interface TokenPlacement {
  readonly value: string;
  readonly form: TokenForm;
  /** Query parameter name (query and define forms; also the EXT-X-DEFINE variable name). */
  readonly param: string;
}

export interface ViewerUriOptions {
  /** `scheme://host[:port]` the viewer asked us on. */
  readonly requestOrigin: string;
  /** The playlist's own path, normalised and without any token prefix. */
  readonly playlistPath: string;
  readonly token?: TokenPlacement | undefined;
  /** `playlists-and-keys`: segments, parts and init sections go out without the token. */
  readonly tokenScope?: 'all' | 'playlists-and-keys';
  /** Region host mapping: `https://eu.edge.example` (no path). */
  readonly origin?: string | undefined;
  readonly originScope?: 'all' | 'media';
}

const SCHEME = /^[a-zA-Z][a-zA-Z0-9+.-]*:/;

/**
 * @example
 *   const map = viewerUriMapper({ requestOrigin: 'https://e.x', playlistPath: '/v/master.m3u8',
 *     token: { value: 'T', form: 'query', param: 'token' } });
 *   map('360p/index.m3u8', ctx) // '360p/index.m3u8?token=T'
 */
export function viewerUriMapper(options: ViewerUriOptions): MapUri {
  const { token, origin } = options;
  const tokenAll = options.tokenScope !== 'playlists-and-keys';
  const originAll = options.originScope !== 'media';
  const ourHosts = new Set([hostOf(options.requestOrigin)]);
  if (origin !== undefined) ourHosts.add(hostOf(origin));
  const dir = options.playlistPath.slice(0, options.playlistPath.lastIndexOf('/') + 1);
  const encoded = token === undefined ? '' : encodeURIComponent(token.value);
  const queryValue = token?.form === 'define' ? `{$${token.param}}` : encoded;

  return (uri, ctx) => {
    let path: string | undefined; // root-relative form, when the URI is ours
    const rooted = uri.charCodeAt(0) === 0x2f; /* / */
    // A scheme needs a ':' before any '/', '?' or '#'; most segment URIs have no ':' at all.
    const hasScheme = !rooted && uri.includes(':') && SCHEME.test(uri);
    const relative = !hasScheme && !rooted;
    if (uri.startsWith('//')) path = ourPath(uri.slice(2), ourHosts);
    else if (rooted) path = uri;
    else if (hasScheme) {
      const scheme = uri.slice(0, uri.indexOf(':')).toLowerCase();
      if (scheme !== 'http' && scheme !== 'https') return uri;
      path = ourPath(uri.slice(scheme.length + 3), ourHosts);
    }
    if (path === undefined && !relative) return uri; // someone else's host
    const withToken = token !== undefined && (tokenAll || ctx.kind !== 'media');
    const toOrigin = origin !== undefined && (originAll || ctx.kind === 'media');

    if (token?.form === 'path') {
      if (relative && withToken && !toOrigin) return uri;
      const abs = path ?? resolve(dir, uri);
      const prefixed = withToken ? `${PATH_TOKEN_PREFIX}${encoded}${abs}` : abs;
      if (toOrigin) return `${origin}${prefixed}`;
      if (path !== undefined && !uri.startsWith('/'))
        return `${uri.slice(0, uri.length - path.length)}${prefixed}`;
      return prefixed;
    }
    let out = uri;
    if (toOrigin) out = `${origin}${path ?? resolve(dir, uri)}`;
    return withToken && token !== undefined ? withQueryParam(out, token.param, queryValue) : out;
  };
}

/** `host[:port]/path…` → `/path…` when the host is ours, else undefined. */
function ourPath(afterScheme: string, ourHosts: ReadonlySet<string>): string | undefined {
  const end = Math.min(firstOf(afterScheme, '/', '?'), firstOf(afterScheme, '#', '#'));
  if (!ourHosts.has(afterScheme.slice(0, end).toLowerCase())) return undefined;
  const rest = afterScheme.slice(end);
  return rest.startsWith('/') ? rest : `/${rest}`;
}

/** Index of the first `a` or `b` in `text`, or `text.length`. */
function firstOf(text: string, a: string, b: string): number {
  const i = text.indexOf(a);
  const j = text.indexOf(b);
  if (i < 0) return j < 0 ? text.length : j;
  return j < 0 || i < j ? i : j;
}

function hostOf(origin: string): string {
  const at = origin.indexOf('://');
  const rest = at < 0 ? origin : origin.slice(at + 3);
  const slash = rest.indexOf('/');
  return (slash < 0 ? rest : rest.slice(0, slash)).toLowerCase();
}

/**
 * RFC 3986 §5.2 reference resolution for a relative path reference against a directory (which
 * ends in `/`), with dot-segment removal; query and fragment are kept as they are.
 */
export function resolve(dir: string, relative: string): string {
  // Hot path (once per segment per viewer): no dot segments means plain concatenation.
  if (relative.charCodeAt(0) !== 0x2e /* . */ && !relative.includes('/.')) return dir + relative;
  const cut = firstOf(relative, '?', '#');
  const pathPart = relative.slice(0, cut);
  const suffix = relative.slice(cut);
  const joined = dir + pathPart;
  if (!pathPart.startsWith('.') && !pathPart.includes('/.')) return joined + suffix;
  const out: string[] = [];
  const parts = joined.split('/');
  for (const [i, part] of parts.entries()) {
    if (part === '.') {
      if (i === parts.length - 1) out.push('');
      continue;
    }
    if (part === '..') {
      if (out.length > 1) out.pop();
      if (i === parts.length - 1) out.push('');
      continue;
    }
    out.push(part);
  }
  return out.join('/') + suffix;
}

/**
 * Adds `name=value` to a URI's query, replacing any existing `name` parameter; the fragment stays last.
 *
 * @example withQueryParam('a.ts?x=1&token=old#f', 'token', 'new') // 'a.ts?x=1&token=new#f'
 */
export function withQueryParam(uri: string, name: string, value: string): string {
  const hash = uri.indexOf('#');
  const fragment = hash < 0 ? '' : uri.slice(hash);
  const base = hash < 0 ? uri : uri.slice(0, hash);
  const q = base.indexOf('?');
  if (q < 0) return `${base}?${name}=${value}${fragment}`;
  const kept = base
    .slice(q + 1)
    .split('&')
    .filter((p) => p !== '' && p !== name && !p.startsWith(`${name}=`));
  kept.push(`${name}=${value}`);
  return `${base.slice(0, q)}?${kept.join('&')}${fragment}`;
}
