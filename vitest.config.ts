/**
 * Test layers (STYLE.md "Tests"): each layer is a Vitest project so `npm test` runs them all and
 * `vitest run --project NAME` runs one.
 *   unit          pure core on Node
 *   unit-workerd  the same files inside workerd (the core claims both runtimes)
 *   edge          the Worker in workerd (Miniflare) against a real local upstream
 *   shield        the origin shield on real sockets against a counting fake packager
 *   e2e           real processes: packager → shield → wrangler dev, read by ffprobe/ffmpeg
 *   playback      Chromium + hls.js through the edge
 *   adversarial   the bounded slice of `npm run test:adversarial` (test/adversarial/)
 */
import { cloudflareTest } from '@cloudflare/vitest-plugin';
import { defineConfig } from 'vitest/config';

const COMPATIBILITY_DATE = '2026-10-01';

export default defineConfig({
  test: {
    projects: [
      { test: { name: 'unit', include: ['test/unit/**/*.test.ts'], environment: 'node' } },
      {
        plugins: [cloudflareTest({ miniflare: { compatibilityDate: COMPATIBILITY_DATE } })],
        test: { name: 'unit-workerd', include: ['test/unit/**/*.test.ts'] },
      },
      {
        test: {
          name: 'edge',
          include: ['test/edge/**/*.test.ts'],
          environment: 'node',
          testTimeout: 30_000,
          hookTimeout: 60_000,
        },
      },
      {
        test: {
          name: 'shield',
          include: ['test/shield/**/*.test.ts'],
          environment: 'node',
          testTimeout: 20_000,
        },
      },
      {
        test: {
          name: 'e2e',
          sequence: { groupOrder: 1 },
          include: ['test/e2e/**/*.test.ts'],
          environment: 'node',
          testTimeout: 180_000,
          hookTimeout: 300_000,
          fileParallelism: false,
        },
      },
      {
        test: {
          name: 'adversarial',
          // Last and alone: it runs processes and holds 2,000-odd sockets; its liveness bounds stay honest.
          sequence: { groupOrder: 3 },
          include: ['test/adversarial/**/*.test.ts'],
          environment: 'node',
          testTimeout: 120_000,
          hookTimeout: 120_000,
          fileParallelism: false,
        },
      },
      {
        test: {
          name: 'playback',
          sequence: { groupOrder: 2 },
          include: ['test/playback/**/*.test.ts'],
          environment: 'node',
          testTimeout: 180_000,
          hookTimeout: 300_000,
          fileParallelism: false,
        },
      },
    ],
  },
});
