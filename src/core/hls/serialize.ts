/**
 * Model → playlist text. Pure: no I/O. Writes every line's raw text and original line ending, so
 * a parsed playlist that nobody touched comes back byte for byte (BOM, CRLF, trailing whitespace
 * and a missing final newline included).
 */
import type { Line, Playlist } from './model.ts';

/**
 * @example serializePlaylist(parsePlaylist(text).playlist) === text // true for any input
 */
export function serializePlaylist(playlist: Pick<Playlist, 'bom' | 'lines'>): string {
  return serializeLines(playlist.lines, playlist.bom);
}

/** Joins lines with their own endings; `bom` restores a leading U+FEFF. */
export function serializeLines(lines: readonly Line[], bom: boolean): string {
  let out = bom ? '\ufeff' : '';
  for (const line of lines) out += line.raw + line.eol;
  return out;
}
