/**
 * Maps decoded path segments onto regular files inside the packager root, refusing anything that
 * would leave it (traversal, symlinks pointing outside) and never listing directories.
 * Must not write files or cache their contents: the media maker may replace the tree while we run.
 */
import { realpath, stat } from 'node:fs/promises';
import path from 'node:path';
import { contentKindOf, contentTypeOf } from '../../src/core/hls/content-kind.ts';
import type { Representation } from './respond.ts';

export const CACHE_PLAYLIST = 'public, max-age=300';
export const CACHE_LIVE_PLAYLIST = 'public, max-age=1';
export const CACHE_IMMUTABLE = 'public, max-age=31536000, immutable';

export interface RootFile {
  /** Real path (symlinks resolved), inside the real root. */
  readonly path: string;
  readonly size: number;
  readonly mtimeMs: number;
}

/**
 * The regular file `segments` names under `root`, or undefined when there is none we may serve.
 *
 * @example await findRootFile('/srv/media', ['vod', 'ts', 'master.m3u8'])
 */
export async function findRootFile(root: string, segments: readonly string[]): Promise<RootFile | undefined> {
  let realRoot: string;
  try {
    realRoot = await realpath(root);
  } catch {
    return undefined;
  }
  // Dot-files (the completion marker, editors' swap files) are not media.
  if (segments.some((s) => s.startsWith('.') || s.includes('/') || s.includes('\\') || s.includes('\0'))) {
    return undefined;
  }
  const candidate = path.resolve(realRoot, ...segments);
  if (!isInside(realRoot, candidate)) return undefined;
  try {
    const real = await realpath(candidate);
    // A symlink inside the root may still point outside it.
    if (!isInside(realRoot, real)) return undefined;
    const info = await stat(real);
    if (!info.isFile()) return undefined;
    return { path: real, size: info.size, mtimeMs: info.mtimeMs };
  } catch {
    return undefined;
  }
}

/** Cache-Control for a VOD file, by what its name says it is (CONTRACT: packager Cache-Control). */
export function vodCacheControl(fileName: string): string {
  const kind = contentKindOf(fileName);
  return kind === 'segment' || kind === 'part' ? CACHE_IMMUTABLE : CACHE_PLAYLIST;
}

/** A representation streaming `file`, with a strong ETag from size and mtime. */
export function fileRepresentation(
  file: RootFile,
  contentPath: string,
  cacheControl: string,
): Representation {
  return {
    contentType: contentTypeOf(contentPath),
    cacheControl,
    size: file.size,
    etag: `"${file.size.toString(16)}-${Math.floor(file.mtimeMs).toString(16)}"`,
    lastModifiedMs: file.mtimeMs,
    body: { kind: 'file', path: file.path },
  };
}

function isInside(root: string, candidate: string): boolean {
  return candidate.startsWith(root.endsWith(path.sep) ? root : `${root}${path.sep}`);
}
