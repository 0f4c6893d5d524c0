/**
 * The k6 exit-code contract of `npm run bench`: 0 when every threshold passed, 99 when one failed.
 * (1 for usage and run errors is the CLI's own.) Pure; must not read argv or exit the process.
 */
import type { BenchSummary } from './results.ts';

/** k6's exit code for crossed thresholds (k6 `ThresholdsHaveFailed`). */
export const EXIT_THRESHOLDS_FAILED = 99;

/**
 * Maps a finished run to the process exit code, like k6.
 *
 * @example exitCodeFor(summary) // 0 | 99
 */
export function exitCodeFor(summary: Pick<BenchSummary, 'edgeshield'>): number {
  return summary.edgeshield.thresholds.every((t) => t.ok) ? 0 : EXIT_THRESHOLDS_FAILED;
}
