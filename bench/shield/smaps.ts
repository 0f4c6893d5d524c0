/**
 * Linux `/proc/<pid>/smaps_rollup` (kernel ≥ 4.14), read by the shield bench for per-process memory.
 * RSS alone misleads for a shield worker: ~50 MiB of it is the `node` binary's file pages, counted again
 * in every process that maps them. Private pages are what the process alone holds (freed when it
 * exits); PSS charges each shared page 1/N to each of the N processes mapping it, so PSS summed over a
 * host is the host's memory. Pure: parses text it is given; no I/O.
 */

/** One process's memory, KiB (the file's unit). */
export interface SmapsRollup {
  readonly rssKiB: number;
  readonly pssKiB: number;
  /** Private_Clean + Private_Dirty. */
  readonly privateKiB: number;
  /** Shared_Clean + Shared_Dirty. */
  readonly sharedKiB: number;
  /** Anonymous pages (heap, stacks, JIT code): 0 when the kernel does not report the field. */
  readonly anonymousKiB: number;
}

/**
 * Parses the rollup's `Field:  N kB` lines; `undefined` when Rss or Pss is missing (not a rollup).
 *
 * @example parseSmapsRollup('Rss: 70000 kB\nPss: 40000 kB\nPrivate_Dirty: 20000 kB\n')?.privateKiB // 20000
 */
export function parseSmapsRollup(text: string): SmapsRollup | undefined {
  const fields = new Map<string, number>();
  for (const line of text.split('\n')) {
    const m = /^(\w+):\s+(\d+) kB\s*$/.exec(line);
    if (m?.[1] !== undefined && m[2] !== undefined) fields.set(m[1], Number(m[2]));
  }
  const rss = fields.get('Rss');
  const pss = fields.get('Pss');
  if (rss === undefined || pss === undefined) return undefined;
  const kib = (name: string) => fields.get(name) ?? 0;
  return {
    rssKiB: rss,
    pssKiB: pss,
    privateKiB: kib('Private_Clean') + kib('Private_Dirty'),
    sharedKiB: kib('Shared_Clean') + kib('Shared_Dirty'),
    anonymousKiB: kib('Anonymous'),
  };
}
