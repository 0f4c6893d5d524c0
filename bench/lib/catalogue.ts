/**
 * Catalogue paths of the bench's VOD titles (`/cat/tNNNN/…`, each a symlink to the TS VOD in the
 * bench's media root). Pure: path arithmetic only — building the root is local-stack.ts's job.
 */

const TITLE = /^\/cat\/t(\d{4})\//;

/** Title path of catalogue entry `i`: `/cat/t0042/master.m3u8`. */
export function titleMaster(i: number): string {
  return `/cat/t${String(i).padStart(4, '0')}/master.m3u8`;
}

/**
 * Maps an object key's title to `title mod period`, so the same viewer trace replayed on another
 * slice of the catalogue (token-churn's second phase) compares equal object for object.
 *
 * @example foldTitle('/cat/t0061/540p/seg_00001.ts', 60) // '/cat/t0001/540p/seg_00001.ts'
 */
export function foldTitle(object: string, period: number): string {
  return object.replace(TITLE, (_, n: string) => `/cat/t${String(Number(n) % period).padStart(4, '0')}/`);
}
