/** The WebRTC bench's result shape (WebRTC and, beside it, LL-HLS) and its text table. Pure. */
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
  /** The same box's LL-HLS figures (null with `--llhls-viewers 0`). */
  readonly llhls: LlhlsBenchResult | null;
}

/** N hls.js (lowLatencyMode) viewers of the dev packager's LL-HLS stream through the edge. */
export interface LlhlsBenchResult {
  readonly viewers: number;
  readonly windowSeconds: number;
  /** EXT-X-PART-INF PART-TARGET of the stream. */
  readonly partTargetMs: number;
  /** Per viewer: navigation start, or the first master playlist request, → first presented frame. */
  readonly joinMs: { readonly fromPageStart: TrendStats; readonly fromFirstRequest: TrendStats };
  /** Every presented frame of every viewer over the window (bench/webrtc/llhls-latency.ts). */
  readonly latencyMs: {
    readonly fromCapture: TrendStats;
    readonly fromAvailability: TrendStats;
    /** Frames with no fragment/PROGRAM-DATE-TIME to time them by, or an implausible reading. */
    readonly unmappedFrames: number;
    /** Each viewer's median latency from capture, in join order. */
    readonly perViewerFromCaptureMedianMs: readonly number[];
  };
}

/** What each latency figure includes, printed under the table and kept in the README. */
export const LATENCY_NOTES: readonly string[] = [
  'WebRTC glass-to-glass: Date.now() drawn on the publisher canvas → capture → H.264 encode → WHIP → SFU → WHEP → jitter buffer → decode → presented (same clock).',
  'LL-HLS from capture: the packager simulates a live source with no encoder (frame time = EXT-X-PROGRAM-DATE-TIME + offset) → wait for its part to complete → origin → shield → edge → hls.js (PART-HOLD-BACK) → decode → presented.',
  'LL-HLS from part availability: the same minus the wait for the part: from the wall-clock time the origin published the frame\'s part. A camera pipeline adds its encoder delay to the "from capture" figure.',
  'Join: WebRTC from the WHEP POST, LL-HLS from the first master playlist request, each to the first presented frame.',
];

const ms = (n: number) => `${Math.round(n)} ms`;
const p50p95 = (t: TrendStats) => `${ms(t.med)} / ${ms(t['p(95)'])}`;
const p50p95max = (t: TrendStats) => `${p50p95(t)} / ${ms(t.max)}`;

function table(title: string, rows: readonly (readonly [string, string])[]): string {
  const width = Math.max(...rows.map(([k]) => k.length));
  return [title, ...rows.map(([k, v]) => `${k.padEnd(width)}  ${v}`)].join('\n');
}

/** The LL-HLS rows. */
export function renderLlhlsRows(r: LlhlsBenchResult): [string, string][] {
  return [
    ['viewers (one Chromium, hls.js lowLatencyMode)', String(r.viewers)],
    ['join, page start → first frame p50 / p95', p50p95(r.joinMs.fromPageStart)],
    ['join, master request → first frame p50 / p95', p50p95(r.joinMs.fromFirstRequest)],
    [
      'latency from capture p50 / p95 / max',
      `${p50p95max(r.latencyMs.fromCapture)} (${r.latencyMs.fromCapture.count} frames, ${r.latencyMs.unmappedFrames} unmapped)`,
    ],
    ['latency from part availability p50 / p95 / max', p50p95max(r.latencyMs.fromAvailability)],
    ["each viewer's p50 from capture", r.latencyMs.perViewerFromCaptureMedianMs.map(ms).join(', ')],
    ['part target', ms(r.partTargetMs)],
  ];
}

/** WebRTC and LL-HLS side by side: join and latency, p50 / p95. */
export function renderComparison(r: WebRtcBenchResult): string {
  const rows: [string, string, string][] = [
    ['WebRTC (WHIP → SFU → WHEP)', p50p95(r.joinMs.whip), `${p50p95(r.latencyMs)} glass-to-glass`],
  ];
  if (r.llhls !== null) {
    rows.push(
      [
        'LL-HLS (origin → edge → hls.js)',
        p50p95(r.llhls.joinMs.fromFirstRequest),
        `${p50p95(r.llhls.latencyMs.fromCapture)} from capture`,
      ],
      ['', '', `${p50p95(r.llhls.latencyMs.fromAvailability)} from part availability`],
    );
  }
  const w0 = Math.max(...rows.map((x) => x[0].length));
  const w1 = Math.max('join p50 / p95'.length, ...rows.map((x) => x[1].length));
  const line = (a: string, b: string, c: string) => `${a.padEnd(w0)}  ${b.padEnd(w1)}  ${c}`.trimEnd();
  return [
    `== Side by side (${r.viewers} WebRTC viewers, ${r.llhls?.viewers ?? 0} LL-HLS viewers, this box)`,
    line('', 'join p50 / p95', 'latency p50 / p95'),
    ...rows.map(([a, b, c]) => line(a, b, c)),
    ...LATENCY_NOTES.map((n) => `  - ${n}`),
  ].join('\n');
}

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
  const parts = [table('== WebRTC bench (loopback)', rows)];
  if (r.llhls !== null)
    parts.push(table('== LL-HLS on the same box (through the edge)', renderLlhlsRows(r.llhls)));
  parts.push(renderComparison(r));
  return parts.join('\n\n');
}
