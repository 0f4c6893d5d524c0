/**
 * Egress sinks from the Worker's bindings: each present binding switches its sink on (absent =
 * off). Called by index.ts, the only reader of `env`.
 */
import type { EgressConfig } from '../config-egress.ts';
import {
  type AnalyticsDataset,
  analyticsSink,
  type EgressSink,
  type QueueProducer,
  queueSink,
  stdoutSink,
} from './sinks.ts';

/** Optional egress bindings (wrangler.toml): Queue producer, Analytics Engine dataset. */
export interface EgressBindings {
  readonly EGRESS_QUEUE?: QueueProducer;
  readonly EGRESS?: AnalyticsDataset;
}

/** @example createEgressWriter(egressSinks(env, config.egress)) */
export function egressSinks(env: EgressBindings, config: EgressConfig): EgressSink[] {
  const sinks: EgressSink[] = [];
  if (config.stdout) sinks.push(stdoutSink());
  if (env.EGRESS) sinks.push(analyticsSink(env.EGRESS));
  if (env.EGRESS_QUEUE) sinks.push(queueSink(env.EGRESS_QUEUE));
  return sinks;
}
