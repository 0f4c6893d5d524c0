/**
 * Live-edge miss storm (`node bench/edge/live-storm.ts [clients] [segments]`): a new live segment
 * appears and `clients` players ask for it at once, for `segments` consecutive segments. The shield
 * sends each 1 MB segment in 16 chunks 10 ms apart, like a packager still writing it.
 * Reports upstream requests per unique object (goal 1.00) and the edge hit ratio (HIT + COALESCED:
 * answered without a shield request of its own) against the ideal (clients - 1) / clients.
 * Benchmark, not a test: prints one JSON line, asserts nothing.
 */
import { ratios, spread, startEdgeBench, timedGet } from './harness.ts';

const clients = Number(process.argv[2] ?? '500');
const segments = Number(process.argv[3] ?? '5');
const CHUNKS = 16;
const chunk = new Uint8Array(64 * 1024).fill(0x47);

const bench = await startEdgeBench();
try {
  const outcomes = [];
  for (let s = 0; s < segments; s++) {
    const path = `/live/ts/720p/seg_${1000 + s}.ts`;
    bench.shield.route(path, {
      body: Array.from({ length: CHUNKS }, () => chunk),
      chunkDelayMs: 10,
      headers: { 'content-type': 'video/mp2t', 'cache-control': 'public, max-age=31536000, immutable' },
    });
    outcomes.push(...(await Promise.all(Array.from({ length: clients }, () => timedGet(bench.edge, path)))));
  }
  const result = {
    scenario: 'live-edge-miss-storm',
    clients,
    segments,
    requests: outcomes.length,
    incompleteBodies: outcomes.filter((o) => o.bytes !== CHUNKS * chunk.byteLength).length,
    ...ratios(outcomes, bench.shield.requests.length, segments, (clients - 1) / clients),
    ttfbMs: spread(outcomes, (o) => o.ttfbMs),
  };
  process.stdout.write(`${JSON.stringify(result)}\n`);
} finally {
  await bench.stop();
}
