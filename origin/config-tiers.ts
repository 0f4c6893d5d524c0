/**
 * Shield configuration for prefetch and the disk tier (issue 6): parsed by config.ts's
 * `parseShieldConfig`, kept here so that file stays one screen of core keys.
 *
 * The only place these defaults live. Must not read `process.env` and must not throw: problems are
 * pushed as issues naming the key, the expectation and what was found.
 */
import { shown } from '../src/core/config/issue.ts';
import { readInteger, readOnOff } from '../src/core/config/read.ts';
import type { ConfigIssue, ShieldEnv } from './config.ts';

/** Prefetch settings (origin/cache/prefetch.ts). */
export interface PrefetchConfig {
  /** Segments warmed per media playlist version (VOD: the first N, live: the newest N); 0 = off. */
  readonly perPlaylist: number;
  /** Prefetch the object a request's CMCD `nor` names. */
  readonly cmcd: boolean;
  /** Prefetch fills running at once. */
  readonly concurrency: number;
}

/** Disk tier settings (origin/cache/disk-tier.ts); `undefined` in ShieldConfig when off. */
export interface DiskConfig {
  readonly dir: string;
  /** Byte bound of the files (header + body) under `dir`. */
  readonly maxBytes: number;
}

/**
 * Reads keys of one defaults table: `read` falls back to the default, `integer` checks [min, max] and
 * on failure pushes an issue naming the key and returns `min`.
 *
 * @example const { integer } = keyReader(env, TIER_DEFAULTS, issues); integer('SHIELD_PREFETCH_SEGMENTS', 0, 32)
 */
export function keyReader<K extends string>(
  env: ShieldEnv,
  defaults: Readonly<Record<K, string>>,
  issues: ConfigIssue[],
): { read: (key: K) => string; integer: (key: K, min: number, max: number) => number } {
  const read = (key: K): string => env[key] ?? defaults[key];
  const integer = (key: K, min: number, max: number): number =>
    readInteger(read(key), { key, min, max }, issues);
  return { read, integer };
}

/** Defaults; SHIELD_DISK_DIR has none (the disk tier is off unless a directory is given). */
export const TIER_DEFAULTS = Object.freeze({
  // Off by default: with several shields the edge hashes each segment to its own shield, so a
  // playlist's shield warming its segments would fill the wrong cache. Turn it on where one shield
  // owns a stream (a single shield per region, or edges hashing by rendition directory).
  SHIELD_PREFETCH_SEGMENTS: '0',
  SHIELD_PREFETCH_CMCD: 'off',
  SHIELD_PREFETCH_CONCURRENCY: '4',
  SHIELD_DISK_BYTES: String(16 * 1024 * 1024 * 1024),
});

/**
 * Parses the prefetch and disk keys.
 *
 * @example parseTierConfig({ SHIELD_PREFETCH_SEGMENTS: '3' }, issues).prefetch.perPlaylist // 3
 */
export function parseTierConfig(
  env: ShieldEnv,
  issues: ConfigIssue[],
): { prefetch: PrefetchConfig; disk: DiskConfig | undefined } {
  const { read, integer } = keyReader(env, TIER_DEFAULTS, issues);
  const perPlaylist = integer('SHIELD_PREFETCH_SEGMENTS', 0, 32);
  const concurrency = integer('SHIELD_PREFETCH_CONCURRENCY', 1, 64);
  const cmcd = readOnOff(read('SHIELD_PREFETCH_CMCD'), 'SHIELD_PREFETCH_CMCD', issues);
  const maxBytes = integer('SHIELD_DISK_BYTES', 1, Number.MAX_SAFE_INTEGER);
  const dirRaw = env.SHIELD_DISK_DIR;
  let disk: DiskConfig | undefined;
  if (dirRaw !== undefined) {
    const dir = dirRaw.trim();
    if (dir === '' || dir.includes('\0')) {
      issues.push({ key: 'SHIELD_DISK_DIR', expected: 'a directory path or unset', got: shown(dirRaw) });
    } else {
      disk = Object.freeze({ dir, maxBytes });
    }
  }
  return {
    prefetch: Object.freeze({ perPlaylist, cmcd, concurrency }),
    disk,
  };
}
