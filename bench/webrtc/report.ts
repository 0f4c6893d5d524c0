/** The WebRTC bench's result shape and its text table. Pure. */
import type { TrendStats } from '../lib/percentiles.ts';

export interface WebRtcBenchResult {
  readonly viewers: number;
  readonly windowSeconds: number;
  /** POST offer → first decoded frame, per viewer. */
  readonly joinMs: { readonly sample: TrendStats; readonly whip: TrendStats };
  /** Glass-to-glass, every presented frame of every viewer over the window. */
  readonly latencyMs: TrendStats & { readonly unreadableFrames: number };
  /** Media server process CPU (cores = CPU seconds per second). */
  readonly serverCpu: {
    readonly idleCores: number;
    readonly loadedCores: number;
    readonly perViewerCores: number;
  };
  /** SRTP bytes per second the server sent each sample-stream viewer. */
  readonly viewerBytesPerSecond: number;
  /** NDJSON ledger lines the server wrote (one per session). */
  readonly ledgerRecords: number;
}

const ms = (n: number) => `${Math.round(n)} ms`;

/** @example console.log(renderWebRtcBench(result)) */
export function renderWebRtcBench(r: WebRtcBenchResult): string {
  const rows: [string, string][] = [
    ['viewers (one Chromium)', String(r.viewers)],
    ['join, sample stream p50 / p95', `${ms(r.joinMs.sample.med)} / ${ms(r.joinMs.sample['p(95)'])}`],
    ['join, WHIP stream p50 / p95', `${ms(r.joinMs.whip.med)} / ${ms(r.joinMs.whip['p(95)'])}`],
    [
      'glass-to-glass p50 / p95 / max',
      `${ms(r.latencyMs.med)} / ${ms(r.latencyMs['p(95)'])} / ${ms(r.latencyMs.max)} (${r.latencyMs.count} frames, ${r.latencyMs.unreadableFrames} unreadable)`,
    ],
    ['server CPU, sample stream, no viewer', `${(r.serverCpu.idleCores * 100).toFixed(1)} % of a core`],
    [`server CPU, ${r.viewers} sample viewers`, `${(r.serverCpu.loadedCores * 100).toFixed(1)} % of a core`],
    ['server CPU per viewer', `${(r.serverCpu.perViewerCores * 100).toFixed(2)} % of a core`],
    ['bytes/s per sample viewer', `${Math.round(r.viewerBytesPerSecond / 1000)} kB/s`],
    ['ledger records', String(r.ledgerRecords)],
  ];
  const width = Math.max(...rows.map(([k]) => k.length));
  return ['== WebRTC bench (loopback)', ...rows.map(([k, v]) => `${k.padEnd(width)}  ${v}`)].join('\n');
}
