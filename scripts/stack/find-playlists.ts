/**
 * Finds the playable entry points in an operator's media folder so `npm start` can print signed URLs
 * for them: master playlists (EXT-X-STREAM-INF) first, then media playlists no found master refers to.
 * For each, the narrowest path prefix covering everything it references (variants, segments, keys), to
 * use as the token's `acl`. Read-only: must never write, move or delete anything under the root.
 */
import { readdir, readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { attr, type Playlist, URI_ATTRIBUTES } from '../../src/core/hls/model.ts';
import { parsePlaylist } from '../../src/core/hls/parse.ts';

export interface FoundPlaylist {
  /** URL path from the root, percent-encoded: `/titles/a/master.m3u8`. */
  readonly path: string;
  readonly kind: 'master' | 'media';
  /** Directory prefix (ends with `/`) covering the playlist and everything it references. */
  readonly acl: string;
}

export interface FindResult {
  /** At most `limit`, masters first, each group in path order. */
  readonly playlists: readonly FoundPlaylist[];
  /** How many entry points there were in all (more than `playlists.length` when cut at `limit`). */
  readonly total: number;
}

const MAX_DEPTH = 8;
const MAX_ENTRIES = 20_000;
const MAX_PLAYLIST_BYTES = 4 * 2 ** 20;
/** The dev packager answers these top-level paths itself (simulated live), never from files. */
const PACKAGER_ROUTES = new Set(['live', 'llhls']);
const BASE = 'http://root';

/**
 * @example const { playlists } = await findPlaylists('/srv/hls', 5) // [{ path: '/a/master.m3u8', kind: 'master', acl: '/a/' }]
 */
export async function findPlaylists(root: string, limit: number): Promise<FindResult> {
  const files = await listPlaylistFiles(root);
  const parsed = new Map<string, Playlist>();
  for (const urlPath of files) {
    const playlist = await readPlaylist(root, urlPath);
    if (playlist !== undefined) parsed.set(urlPath, playlist);
  }
  const masters = [...parsed].filter(([, p]) => p.kind === 'master').map(([urlPath]) => urlPath);
  const referenced = new Set(masters.flatMap((m) => referencesOf(m, parsed.get(m))));
  const media = [...parsed]
    .filter(([urlPath, p]) => p.kind === 'media' && !referenced.has(urlPath))
    .map(([urlPath]) => urlPath);
  const entries = [
    ...masters.map((p) => ({ path: p, kind: 'master' as const })),
    ...media.map((p) => ({ path: p, kind: 'media' as const })),
  ];
  const playlists = entries.slice(0, limit).map((entry) => {
    const children = referencesOf(entry.path, parsed.get(entry.path));
    const reached = children.flatMap((child) => referencesOf(child, parsed.get(child)));
    return { ...entry, acl: commonDirectory([entry.path, ...children, ...reached]) };
  });
  return { playlists, total: entries.length };
}

/** URL paths of every `.m3u8` under root, breadth first in name order, skipping dot-entries. */
async function listPlaylistFiles(root: string): Promise<string[]> {
  const found: string[] = [];
  let level: string[][] = [[]];
  let visited = 0;
  for (let depth = 0; depth <= MAX_DEPTH && level.length > 0; depth++) {
    const next: string[][] = [];
    for (const segments of level) {
      const names = await readdir(path.join(root, ...segments)).catch(() => [] as string[]);
      for (const name of names.sort()) {
        if (name.startsWith('.') || (depth === 0 && PACKAGER_ROUTES.has(name))) continue;
        if (++visited > MAX_ENTRIES) return found;
        const info = await stat(path.join(root, ...segments, name)).catch(() => undefined);
        if (info?.isDirectory()) next.push([...segments, name]);
        else if (info?.isFile() && name.toLowerCase().endsWith('.m3u8')) {
          found.push(toUrlPath([...segments, name]));
        }
      }
    }
    level = next;
  }
  return found;
}

/** File path segments as the URL path a relative URI resolves to (the URL parser's own encoding). */
function toUrlPath(segments: readonly string[]): string {
  const escaped = segments.map((s) => s.replace(/[%?#\\]/g, (c) => encodeURIComponent(c)));
  return new URL(`${BASE}/${escaped.join('/')}`).pathname;
}

async function readPlaylist(root: string, urlPath: string): Promise<Playlist | undefined> {
  const file = path.join(root, ...urlPath.split('/').filter(Boolean).map(decodeURIComponent));
  const info = await stat(file).catch(() => undefined);
  if (info === undefined || info.size > MAX_PLAYLIST_BYTES) return undefined;
  const text = await readFile(file, 'utf8').catch(() => '');
  const { playlist, issues } = parsePlaylist(text);
  return issues.some((i) => i.fatal) ? undefined : playlist;
}

/** Same-root URL paths a playlist refers to (URI lines and URI attributes); other hosts are skipped. */
function referencesOf(urlPath: string, playlist: Playlist | undefined): string[] {
  if (playlist === undefined) return [];
  const out: string[] = [];
  const add = (uri: string) => {
    const url = URL.canParse(uri, `${BASE}${urlPath}`) ? new URL(uri, `${BASE}${urlPath}`) : undefined;
    if (url?.origin === BASE) out.push(url.pathname);
  };
  for (const line of playlist.lines) {
    if (line.type === 'uri') add(line.uri);
    if (line.type !== 'tag') continue;
    for (const name of URI_ATTRIBUTES[line.name]?.attrs ?? []) {
      const value = attr(line, name)?.value;
      if (value !== undefined) add(value);
    }
  }
  return out;
}

/** The longest `/…/` prefix shared by every path's directory. */
function commonDirectory(paths: readonly string[]): string {
  const dirs = paths.map((p) => p.slice(0, p.lastIndexOf('/') + 1).split('/'));
  const first = dirs[0] ?? [''];
  let n = first.length;
  for (const d of dirs) {
    let i = 0;
    while (i < n && i < d.length && d[i] === first[i]) i++;
    n = i;
  }
  const prefix = first.slice(0, n).join('/');
  return prefix.endsWith('/') ? prefix : `${prefix}/`;
}
