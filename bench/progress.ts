/**
 * The live progress line (elapsed, VUs, requests, rps, errors, last-second edge hit ratio) the
 * runner prints to stderr once a second. Pure text from the records so far.
 */
import { isHit, type RequestRecord } from './lib/record.ts';

/** @example progressLine(12_000, 30_000, records, 8) // "[12.0s/30s] vus=8 reqs=… rps=… errors=0 hit(1s)=93.1%" */
export function progressLine(
  elapsedMs: number,
  totalMs: number,
  records: readonly RequestRecord[],
  vus: number,
): string {
  const sec = elapsedMs / 1000;
  const errors = records.filter((r) => r.status === 0 || r.status >= 400).length;
  const recent = records.filter((r) => r.t > elapsedMs - 1000 && r.cache !== undefined);
  const hits = recent.filter((r) => isHit(r.cache)).length;
  const hitText = recent.length ? `${((hits / recent.length) * 100).toFixed(1)}%` : '—';
  return `[${sec.toFixed(1)}s/${(totalMs / 1000).toFixed(0)}s] vus=${vus} reqs=${records.length} rps=${(records.length / Math.max(sec, 0.001)).toFixed(1)} errors=${errors} hit(1s)=${hitText}`;
}
