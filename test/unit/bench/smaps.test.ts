import { describe, expect, it } from 'vitest';
import { parseSmapsRollup } from '../../../bench/shield/smaps.ts';

// A shield worker's /proc/<pid>/smaps_rollup (Linux 6.x), as read by the bench.
const WORKER = `55cb35afc000-7ffd81464000 ---p 00000000 00:00 0                          [rollup]
Rss:               74752 kB
Pss:               41984 kB
Pss_Dirty:         24000 kB
Pss_Anon:          23900 kB
Pss_File:          18084 kB
Pss_Shmem:             0 kB
Shared_Clean:      50688 kB
Shared_Dirty:          0 kB
Private_Clean:        68 kB
Private_Dirty:     23996 kB
Referenced:        74752 kB
Anonymous:         23980 kB
KSM:                   0 kB
Swap:                  0 kB
`;

describe('parseSmapsRollup', () => {
  it('reads RSS and PSS, and sums private and shared pages over clean and dirty', () => {
    expect(parseSmapsRollup(WORKER)).toEqual({
      rssKiB: 74752,
      pssKiB: 41984,
      privateKiB: 68 + 23996,
      sharedKiB: 50688,
      anonymousKiB: 23980,
    });
  });

  it('does not take Pss_Dirty or Pss_Anon for Pss', () => {
    const reordered = 'Pss_Anon: 5 kB\nPss_Dirty: 7 kB\nRss: 100 kB\nPss: 60 kB\n';
    expect(parseSmapsRollup(reordered)?.pssKiB).toBe(60);
  });

  it('counts fields an older kernel leaves out as 0', () => {
    expect(parseSmapsRollup('Rss: 100 kB\nPss: 60 kB\nPrivate_Dirty: 40 kB\n')).toEqual({
      rssKiB: 100,
      pssKiB: 60,
      privateKiB: 40,
      sharedKiB: 0,
      anonymousKiB: 0,
    });
  });

  it('returns undefined for text without Rss or Pss (not a rollup, or an exited process)', () => {
    expect(parseSmapsRollup('')).toBeUndefined();
    expect(parseSmapsRollup('VmRSS:\t  1712 kB\n')).toBeUndefined();
    expect(parseSmapsRollup('Rss: 100 kB\n')).toBeUndefined();
  });
});
