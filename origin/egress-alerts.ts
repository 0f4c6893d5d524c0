/**
 * Opening the shield's egress sink (issue 8) with its failures made visible: every dropped record
 * bumps `shield_egress_dropped_total`, the first drop of a burst logs one warning, and the sink's
 * first 'error' logs once. Must not log per record (a broken sink would flood the log it may share).
 */
import type { Writable } from 'node:stream';
import { createShieldEgressLog, openShieldEgressLog, type ShieldEgressLog } from './egress.ts';
import { errorFields, type Logger } from './log.ts';
import type { HotCounts } from './metrics.ts';

/** Drops closer together than this belong to one burst (one warning). */
export const DROP_BURST_GAP_MS = 10_000;

/** Where the records go: a configured target (`-` or a path) or, in tests, a Writable. */
export type EgressSinkSpec = { readonly target: string } | { readonly sink: Writable };

/**
 * Opens the egress log with drop/error alerts wired to `logger` and `counts.egressDropped`.
 *
 * @example const egress = openAlertedEgressLog({ target: '-' }, { logger, now: Date.now, counts });
 */
export function openAlertedEgressLog(
  spec: EgressSinkSpec,
  deps: { readonly logger: Logger; readonly now: () => number; readonly counts: HotCounts },
): ShieldEgressLog {
  let lastDropAt = Number.NEGATIVE_INFINITY;
  const options = {
    onDrop(total: number) {
      deps.counts.egressDropped++;
      const at = deps.now();
      if (at - lastDropAt > DROP_BURST_GAP_MS) {
        deps.logger.warn('egress records dropped', { droppedTotal: total, burstGapMs: DROP_BURST_GAP_MS });
      }
      lastDropAt = at;
    },
    onError(e: unknown) {
      deps.logger.warn('egress sink failed; records are dropped from now on', errorFields(e));
    },
  };
  return 'sink' in spec
    ? createShieldEgressLog(spec.sink, options)
    : openShieldEgressLog(spec.target, options);
}
