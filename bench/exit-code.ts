/**
 * The k6 exit-code contract of `npm run bench`: 0 when every threshold passed, 99 when one failed
 * (advisory thresholds never decide it), 104 when the target refused the bench's viewers before the
 * run (k6's invalid-config code). 1 for usage and run errors is the CLI's own. Pure; must not read
 * argv or exit the process.
 */
import { thresholdsPassed } from './lib/advisory.ts';
import type { BenchSummary } from './results.ts';

/** k6's exit code for crossed thresholds (k6 `ThresholdsHaveFailed`). */
export const EXIT_THRESHOLDS_FAILED = 99;

/**
 * The target answered the probe with 401/403: token-gated and the bench has no (or the wrong) keys.
 * Nothing was measured (k6 `InvalidConfig`).
 */
export const EXIT_TARGET_REFUSED = 104;

/**
 * Maps a finished run to the process exit code, like k6.
 *
 * @example exitCodeFor(summary) // 0 | 99
 */
export function exitCodeFor(summary: Pick<BenchSummary, 'edgeshield'>): number {
  return thresholdsPassed(summary.edgeshield.thresholds) ? 0 : EXIT_THRESHOLDS_FAILED;
}
