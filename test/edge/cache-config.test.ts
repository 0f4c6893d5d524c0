/**
 * Cache configuration (src/edge/config-cache.ts): defaults, units and issues that name the key.
 */
import { describe, expect, it } from 'vitest';
import { parseCacheConfig } from '../../src/edge/config-cache.ts';

describe('parseCacheConfig', () => {
  it('applies the documented defaults', () => {
    const { config, issues } = parseCacheConfig({});
    expect(issues).toEqual([]);
    expect(config).toEqual({
      keyParams: [],
      ttl: {
        playlistTtlMs: 3_600_000,
        segmentTtlMs: 31_536_000_000,
        negativeTtlMs: 2000,
        swrMs: 30_000,
        staleIfErrorMs: 60_000,
      },
      shieldCooldownMs: 10_000,
      compressPlaylists: true,
    });
  });

  it('reads seconds with up to 3 decimals into milliseconds', () => {
    expect(parseCacheConfig({ CACHE_NEGATIVE_TTL_S: '0.25' }).config.ttl.negativeTtlMs).toBe(250);
  });

  it('keeps configured filter params and refuses token, CMCD and cache-buster names', () => {
    const { config, issues } = parseCacheConfig({ CACHE_KEY_PARAMS: 'lang, token, CMCD, _' });
    expect(config.keyParams).toEqual(['lang']);
    expect(issues.map((i) => i.key)).toEqual([
      'CACHE_KEY_PARAMS[1]',
      'CACHE_KEY_PARAMS[2]',
      'CACHE_KEY_PARAMS[3]',
    ]);
  });

  it('names the key, the expectation and the value for bad numbers and switches', () => {
    const { issues } = parseCacheConfig({
      CACHE_SWR_S: 'soon',
      COMPRESS_PLAYLISTS: 'maybe',
      CACHE_PLAYLIST_TTL_S: '0',
    });
    expect(issues).toEqual([
      {
        key: 'CACHE_PLAYLIST_TTL_S',
        expected: 'seconds between 1 and 31536000 (up to 3 decimals)',
        got: '"0"',
      },
      { key: 'CACHE_SWR_S', expected: 'seconds between 0 and 31536000 (up to 3 decimals)', got: '"soon"' },
      { key: 'COMPRESS_PLAYLISTS', expected: '"on" or "off"', got: '"maybe"' },
    ]);
  });

  it('turns compression off', () => {
    expect(parseCacheConfig({ COMPRESS_PLAYLISTS: 'off' }).config.compressPlaylists).toBe(false);
  });
});
