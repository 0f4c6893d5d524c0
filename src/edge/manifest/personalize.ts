/**
 * Per-viewer playlist rewriting at the edge, AFTER the shared cache: the cached object stays the
 * shield's untokenized playlist, and each response is rewritten for the requesting viewer (token
 * injection) and region (host mapping, rendition caps). Must not write anything back to a cache.
 *
 * A rewritten playlist goes out `Cache-Control: private` (no shared cache downstream may keep one
 * viewer's token or one region's variant list), with a recomputed Content-Length and no ETag. With
 * any region policy configured, every 200 playlist is `private`, rewritten or not.
 */
import type { Context } from 'hono';
import { personalizeParsed } from '../../core/hls/personalize.ts';
import { hasRenditionRules, type PolicyTable, selectPolicy } from '../../core/hls/policy.ts';
import type { TokenPlacement } from '../../core/hls/viewer-uris.ts';
import type { ManifestConfig } from '../config-manifest.ts';
import type { EdgeHonoEnv, ViewerAuth } from '../context.ts';
import { EdgeError } from '../errors.ts';
import type { ParseMemo } from './parse-memo.ts';

/** EXT-X-DEFINE variable names (RFC 8216bis §4.4.2.3): [a-zA-Z0-9_-]. */
const VARIABLE_NAME = /^[A-Za-z0-9_-]+$/;

/**
 * @example return personalizePlaylist(c, await fetchThroughCache(c, deps), config.manifest, memo)
 */
export async function personalizePlaylist(
  c: Context<EdgeHonoEnv>,
  response: Response,
  config: ManifestConfig,
  memo: ParseMemo,
): Promise<Response> {
  if (response.status !== 200) return response;
  // A tenant's policies for this path (control store, issue 15) replace the configured table.
  const policies = c.var.control?.policiesFor(c.var.path) ?? config.policies;
  const match = selectPolicy(policies, c.var.geo);
  const token = tokenPlacement(c.var.viewer, config);
  const regional =
    match !== undefined && (match.policy.origin !== undefined || hasRenditionRules(match.policy));
  if (token === undefined && !regional) {
    // Nothing to personalise: the shared object, still streaming. But where any region policy exists,
    // this answer was also a per-region decision (the US gets the full master because only IN is
    // capped), and a shared cache after us keys by URL, not country: keep it out of those caches.
    if (!hasAnyPolicy(policies)) return response;
    const headers = new Headers(response.headers);
    headers.set('cache-control', privateCacheControl(headers.get('cache-control')));
    return new Response(response.body, { status: response.status, headers });
  }

  const headers = new Headers(response.headers);
  headers.set('cache-control', privateCacheControl(headers.get('cache-control')));
  headers.delete('etag');
  if (c.req.method === 'HEAD' || response.body === null) {
    // The rewritten length is unknown without the body; a HEAD must not promise the shared one.
    headers.delete('content-length');
    await response.body?.cancel();
    return new Response(null, { status: 200, headers });
  }
  const text = await response.text();
  const result = personalizeParsed(text, memo.parse(text), {
    requestOrigin: new URL(c.req.url).origin,
    playlistPath: c.var.path,
    token,
    tokenScope: config.tokenScope,
    policy: match?.policy,
  });
  if (!result.rewritten) {
    const first = result.issues.find((i) => i.fatal);
    logBadPlaylist(c.var.path, first === undefined ? 'unparseable' : `line ${first.line}: ${first.message}`);
    if (config.onParseError === 'reject')
      throw new EdgeError('EDGE_ERR_BAD_PLAYLIST', `cannot parse ${c.var.path}`);
    const passed = new Headers(response.headers);
    // Unrewritten, but still the answer for a viewer whose region has a policy (see above).
    if (hasAnyPolicy(policies)) passed.set('cache-control', privateCacheControl(passed.get('cache-control')));
    return new Response(text, { status: 200, headers: passed });
  }
  const body = new TextEncoder().encode(result.text);
  headers.set('content-length', String(body.byteLength));
  if (match !== undefined) headers.set('x-edgeshield-policy', match.matched);
  return new Response(body, { status: 200, headers });
}

/** The form the token goes back in: the one it arrived in (cookies and headers travel by themselves). */
function tokenPlacement(viewer: ViewerAuth | undefined, config: ManifestConfig): TokenPlacement | undefined {
  if (viewer === undefined) return undefined;
  if (viewer.source === 'path') return { value: viewer.token, form: 'path', param: viewer.queryParam };
  if (viewer.source !== 'query') return undefined;
  const define = config.tokenMode === 'define-queryparam' && VARIABLE_NAME.test(viewer.queryParam);
  return { value: viewer.token, form: define ? 'define' : 'query', param: viewer.queryParam };
}

/** Whether MANIFEST_POLICIES defines any policy, i.e. whether playlists differ by viewer location. */
export function hasAnyPolicy(table: PolicyTable): boolean {
  const some = (m: Readonly<Record<string, unknown>> | undefined) =>
    m !== undefined && Object.keys(m).length > 0;
  return (
    table.default !== undefined || some(table.regions) || some(table.countries) || some(table.continents)
  );
}

/**
 * RFC 9111 §5.2.2.7: `private` keeps shared caches out; `public` and `s-maxage` are dropped so no
 * directive contradicts it. max-age stays: the viewer's own cache may keep its copy as long.
 */
export function privateCacheControl(value: string | null): string {
  const kept = (value ?? '')
    .split(',')
    .map((d) => d.trim())
    .filter((d) => d !== '' && !/^(public|private|s-maxage=.*)$/i.test(d));
  return ['private', ...kept].join(', ');
}

function logBadPlaylist(path: string, issue: string): void {
  console.warn(JSON.stringify({ level: 'warn', code: 'EDGE_ERR_BAD_PLAYLIST', path, issue }));
}
