/**
 * Reads the egress records a Worker under test printed on stdout (EGRESS_STDOUT on). Test helper:
 * no assertions here.
 */
import type { EgressRecord } from '../../src/core/ledger/record.ts';
import type { EdgeWorker } from './edge-worker.ts';

/** Egress records the Worker printed on stdout, for one path. */
export function recordsFor(edge: EdgeWorker, path: string): EgressRecord[] {
  return edge.logs
    .map((l) => l.message)
    .filter((m) => m.startsWith('{"ts":'))
    .map((m) => JSON.parse(m) as EgressRecord)
    .filter((r) => r.path === path);
}

/**
 * Polls until `n` records for `path` were printed or 15 s passed; returns what was found. Records are
 * written after the response (waitUntil) and reach this process through workerd's stdout, so a loaded
 * machine can take seconds; a pass returns as soon as they are there.
 */
export async function waitForRecords(edge: EdgeWorker, path: string, n: number): Promise<EgressRecord[]> {
  const deadline = Date.now() + 15_000;
  for (;;) {
    const found = recordsFor(edge, path);
    if (found.length >= n || Date.now() > deadline) return found;
    await new Promise((r) => setTimeout(r, 20));
  }
}
