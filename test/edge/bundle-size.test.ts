/**
 * Worker bundle budget (STYLE.md "Tooling": track the bundle size like hls.js keeps a dist-size
 * budget). Every isolate cold start parses this script, so growth should be a decision, not drift.
 * The budget is a size, not a time: deterministic for a given source tree.
 */
import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { bundleEdgeWorker } from './edge-worker.ts';

/** gzip bytes of the unminified bundle; measured 2026-11-26 at ~66 KiB (hono + jose + CMCD parsing). */
const GZIP_BUDGET_BYTES = 96 * 1024;

describe('edge Worker bundle', () => {
  it(`stays within the ${GZIP_BUDGET_BYTES / 1024} KiB gzip budget`, async () => {
    const script = await bundleEdgeWorker();
    const gzipped = gzipSync(Buffer.from(script, 'utf8')).byteLength;
    expect(gzipped).toBeLessThanOrEqual(GZIP_BUDGET_BYTES);
  });

  it('imports nothing from node:* (the Worker runs without nodejs_compat)', async () => {
    const script = await bundleEdgeWorker();
    expect(script).not.toMatch(/from\s*["']node:/);
  });
});
