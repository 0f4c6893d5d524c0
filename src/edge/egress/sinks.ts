/**
 * Where edge egress records go: stdout NDJSON (console.log; Workers Logs / Logpush / wrangler dev
 * stdout), Workers Analytics Engine (`writeDataPoint`), and a Queue whose consumer writes the exact
 * D1 ledger (consumer.ts). Each sink is off when its binding is absent.
 *
 * Bindings are typed structurally (the few methods used), so this module needs no platform types.
 * A sink failure is counted and logged, never thrown to the response path.
 */

import { pricingRegionOf } from '../../core/ledger/pricing-regions.ts';
import type { EgressRecord } from '../../core/ledger/record.ts';

export interface EgressSink {
  readonly name: string;
  write(record: EgressRecord): Promise<void> | void;
}

/** The part of an Analytics Engine dataset binding we use. */
export interface AnalyticsDataset {
  writeDataPoint(point: { blobs?: string[]; doubles?: number[]; indexes?: string[] }): void;
}

/** The part of a Queue producer binding we use. */
export interface QueueProducer {
  send(body: EgressRecord): Promise<unknown>;
  /** Cloudflare's limits per call: 100 messages, 256 KB in all. */
  sendBatch(messages: Iterable<{ readonly body: EgressRecord }>): Promise<unknown>;
}

/** One JSON object per line, on the Worker's stdout. */
export function stdoutSink(log: (line: string) => void = (line) => console.log(line)): EgressSink {
  return { name: 'stdout', write: (record) => log(JSON.stringify(record)) };
}

/**
 * Analytics Engine data point schema (query with the SQL API; positions are the contract):
 *   index1  contentId (the sampling key: sampling keeps whole titles together)
 *   blob1 tier · blob2 cacheStatus · blob3 country · blob4 region (ISO 3166-2) · blob5 colo
 *   blob6 contentKind · blob7 path (≤ 256 chars) · blob8 sessionId · blob9 viewer (hashed)
 *   blob10 pricing region · blob11 CMCD ot · blob12 CMCD cid · blob13 tenant · blob14 asOrganization
 *   double1 bytes · double2 headerBytes · double3 originBytes · double4 durationMs · double5 status
 *   double6 ts (ms) · double7 aborted (0|1) · double8 CMCD br · double9 CMCD bl · double10 CMCD mtp
 *   double11 asn
 * Absent values are '' / 0. Sum bytes as `SUM(_sample_interval * double1)`.
 */
export function analyticsPoint(r: EgressRecord): { blobs: string[]; doubles: number[]; indexes: string[] } {
  return {
    indexes: [r.contentId.slice(0, 96)],
    blobs: [
      r.tier,
      r.cacheStatus,
      r.country ?? '',
      r.region ?? '',
      r.colo ?? '',
      r.contentKind,
      r.path.slice(0, 256),
      r.sessionId ?? '',
      r.viewer ?? '',
      pricingRegionOf(r.country),
      r.cmcd?.ot ?? '',
      r.cmcd?.cid ?? '',
      // Issue 15: control-plane tenant and the viewer's network name (new positions go last).
      r.tenant ?? '',
      r.asOrganization ?? '',
    ],
    doubles: [
      r.bytes,
      r.headerBytes,
      r.originBytes,
      r.durationMs,
      r.status,
      r.ts,
      r.aborted ? 1 : 0,
      r.cmcd?.br ?? 0,
      r.cmcd?.bl ?? 0,
      r.cmcd?.mtp ?? 0,
      r.asn ?? 0,
    ],
  };
}

export function analyticsSink(dataset: AnalyticsDataset): EgressSink {
  return { name: 'analytics-engine', write: (record) => dataset.writeDataPoint(analyticsPoint(record)) };
}

export function queueSink(queue: QueueProducer): EgressSink {
  return {
    name: 'queue',
    write: async (record) => {
      await queue.send(record);
    },
  };
}

export interface EgressWriter {
  /** Writes to every sink; resolves when all settled. Never rejects. */
  write(record: EgressRecord): Promise<void>;
  /** Failures per sink since the isolate started. */
  failures(): Readonly<Record<string, number>>;
}

/**
 * Fans a record out to all sinks independently: one failing sink neither stops the others nor
 * reaches the response. Failures are counted per sink and logged as one JSON line each.
 */
export function createEgressWriter(
  sinks: readonly EgressSink[],
  onFailure: (sink: string, error: unknown, count: number) => void = logSinkFailure,
): EgressWriter {
  const counts: Record<string, number> = {};
  const fail = (sink: string, error: unknown) => {
    counts[sink] = (counts[sink] ?? 0) + 1;
    onFailure(sink, error, counts[sink]);
  };
  return {
    async write(record) {
      await Promise.all(
        sinks.map(async (sink) => {
          try {
            await sink.write(record);
          } catch (error) {
            fail(sink.name, error);
          }
        }),
      );
    },
    failures: () => ({ ...counts }),
  };
}

function logSinkFailure(sink: string, error: unknown, count: number): void {
  console.error(
    JSON.stringify({
      level: 'error',
      event: 'egress-sink-failed',
      sink,
      failures: count,
      reason: error instanceof Error ? error.message : String(error),
    }),
  );
}
