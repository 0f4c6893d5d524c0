/**
 * One viewer's playlist: region policy (host mapping, rendition removal) plus token injection, as
 * one rewrite. Pure: no I/O. The edge calls it after its cache; golden tests call it directly.
 */
import { attr, type ParseResult, type Playlist } from './model.ts';
import { type RegionPolicy, renditionDrops } from './policy.ts';
import { type RewritePlan, type RewriteResult, rewriteParsed, rewritePlaylist } from './rewrite.ts';
import { type ViewerUriOptions, viewerUriMapper } from './viewer-uris.ts';

/** The viewer's URI options (passed through to viewerUriMapper) plus the region policy. */
export interface PersonalizeOptions
  extends Pick<ViewerUriOptions, 'requestOrigin' | 'playlistPath' | 'token' | 'tokenScope'> {
  readonly policy?: RegionPolicy | undefined;
}

/**
 * @example
 *   personalizePlaylistText(text, { requestOrigin: 'https://e.x', playlistPath: '/v/master.m3u8',
 *     token: { value: 'T', form: 'query', param: 'token' }, policy: { maxHeight: 540 } }).text
 */
export function personalizePlaylistText(text: string, options: PersonalizeOptions): RewriteResult {
  return rewritePlaylist(text, (playlist) => personalizePlan(playlist, options));
}

/** The same on an earlier parse of `text` (shared by every viewer of one cached playlist). */
export function personalizeParsed(
  text: string,
  parsed: ParseResult,
  options: PersonalizeOptions,
): RewriteResult {
  return rewriteParsed(text, parsed, (playlist) => personalizePlan(playlist, options));
}

/** The rewrite plan for one viewer and region. */
export function personalizePlan(playlist: Playlist, options: PersonalizeOptions): RewritePlan {
  let token = options.token;
  // A playlist that already defines the variable would substitute its own value: use the literal.
  if (token?.form === 'define' && definesVariable(playlist, token.param)) token = { ...token, form: 'query' };
  const policy = options.policy;
  const drops = policy === undefined ? undefined : renditionDrops(playlist, policy);
  return {
    mapUri: viewerUriMapper({
      requestOrigin: options.requestOrigin,
      playlistPath: options.playlistPath,
      token,
      tokenScope: options.tokenScope ?? 'all',
      origin: policy?.origin,
      originScope: policy?.originScope ?? 'all',
    }),
    ...(drops === undefined ? {} : { drop: drops.drop, issues: drops.issues }),
    ...(token?.form === 'define' ? { defineQueryParam: token.param } : {}),
  };
}

/** Whether EXT-X-DEFINE already declares `name` (NAME= or QUERYPARAM=). */
export function definesVariable(playlist: Playlist, name: string): boolean {
  return playlist.lines.some(
    (l) =>
      l.type === 'tag' &&
      l.name === 'EXT-X-DEFINE' &&
      (attr(l, 'NAME')?.value === name || attr(l, 'QUERYPARAM')?.value === name),
  );
}
