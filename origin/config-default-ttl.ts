/**
 * Shield configuration for default freshness (issue 12): the lifetime given to a response whose
 * origin says nothing about freshness (a plain file server), by content kind, using the edge's TTL
 * rules (src/core/cache/ttl-policy.ts). Parsed by config.ts's `parseShieldConfig`.
 *
 * The only place these defaults live. Must not read `process.env` and must not throw: problems are
 * pushed as issues naming the key, the expectation and what was found.
 */
import { DEFAULT_TTL_CONFIG } from '../src/core/cache/ttl-policy.ts';
import { readInteger, readOnOff } from '../src/core/config/read.ts';
import type { ConfigIssue, ShieldEnv } from './config.ts';

/** Default lifetimes, seconds; a kind with 0 gets none. Live playlists are always ½ target duration. */
export interface DefaultTtl {
  /** Master and VOD (ENDLIST / PLAYLIST-TYPE:VOD) media playlists. */
  readonly playlistSec: number;
  /** Segments, parts and init sections. */
  readonly segmentSec: number;
}

/** Defaults: the edge's ceilings (CACHE_PLAYLIST_TTL_S, CACHE_SEGMENT_TTL_S). */
export const DEFAULT_TTL_DEFAULTS = Object.freeze({
  SHIELD_DEFAULT_TTL: 'on',
  SHIELD_DEFAULT_PLAYLIST_TTL_SEC: String(DEFAULT_TTL_CONFIG.playlistTtlMs / 1000),
  SHIELD_DEFAULT_SEGMENT_TTL_SEC: String(DEFAULT_TTL_CONFIG.segmentTtlMs / 1000),
});

/**
 * Parses the default-freshness keys; `undefined` when SHIELD_DEFAULT_TTL=off.
 *
 * @example parseDefaultTtl({ SHIELD_DEFAULT_SEGMENT_TTL_SEC: '86400' }, issues) // { playlistSec: 3600, segmentSec: 86400 }
 */
export function parseDefaultTtl(env: ShieldEnv, issues: ConfigIssue[]): DefaultTtl | undefined {
  const read = (key: keyof typeof DEFAULT_TTL_DEFAULTS): string => env[key] ?? DEFAULT_TTL_DEFAULTS[key];
  // 0 = no default for this kind.
  const seconds = (key: 'SHIELD_DEFAULT_PLAYLIST_TTL_SEC' | 'SHIELD_DEFAULT_SEGMENT_TTL_SEC'): number =>
    readInteger(read(key), { key, min: 0, max: 10 * 31_536_000, unit: 'seconds' }, issues);
  const playlistSec = seconds('SHIELD_DEFAULT_PLAYLIST_TTL_SEC');
  const segmentSec = seconds('SHIELD_DEFAULT_SEGMENT_TTL_SEC');
  const on = readOnOff(read('SHIELD_DEFAULT_TTL'), 'SHIELD_DEFAULT_TTL', issues);
  return on ? Object.freeze({ playlistSec, segmentSec }) : undefined;
}
