/**
 * Zipf VOD (`node bench/edge/zipf-vod.ts [requests] [titles] [concurrency] [exponent]`): a
 * catalogue of `titles` 256 KB segments requested with Zipf popularity by `concurrency` parallel
 * viewers, through one edge isolate. Reports upstream requests per unique object (goal 1.00) and the
 * edge hit ratio (HIT + COALESCED) against the ideal of an infinite cache for the same trace,
 * 1 - unique / requests. Benchmark, not a test: prints one JSON line, asserts nothing.
 */
import { createRandom } from '../lib/prng.ts';
import { createZipf } from '../lib/zipf.ts';
import { type Outcome, ratios, startEdgeBench, timedGet } from './harness.ts';

const total = Number(process.argv[2] ?? '3000');
const titles = Number(process.argv[3] ?? '300');
const concurrency = Number(process.argv[4] ?? '50');
const exponent = Number(process.argv[5] ?? '1.0');
const body = new Uint8Array(256 * 1024).fill(0x47);

const draw = createZipf(titles, exponent);
const random = createRandom(5);
const trace = Array.from({ length: total }, () => `/vod/ts/720p/title_${draw(random)}/seg_00000.ts`);

const bench = await startEdgeBench();
try {
  for (const path of new Set(trace)) {
    bench.shield.route(path, {
      body: [body.subarray(0, 128 * 1024), body.subarray(128 * 1024)],
      chunkDelayMs: 5,
      headers: { 'content-type': 'video/mp2t', 'cache-control': 'public, max-age=31536000, immutable' },
    });
  }
  const outcomes: Outcome[] = [];
  let next = 0;
  const worker = async () => {
    for (let i = next++; i < trace.length; i = next++)
      outcomes.push(await timedGet(bench.edge, trace[i] ?? '/'));
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  const unique = new Set(trace).size;
  const result = {
    scenario: 'vod-zipf',
    requests: total,
    titles,
    uniqueObjects: unique,
    concurrency,
    exponent,
    ...ratios(outcomes, bench.shield.requests.length, unique, 1 - unique / total),
  };
  process.stdout.write(`${JSON.stringify(result)}\n`);
} finally {
  await bench.stop();
}
