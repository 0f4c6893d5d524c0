/**
 * A shield that sends headers and some bytes, then stalls past SHIELD_TIMEOUT_MS: the edge logs it as
 * EDGE_ERR_SHIELD_TIMEOUT (never EDGE_ERR_INTERNAL), aborts the viewer's response instead of ending
 * it as if complete, stores nothing, and answers a clean 504 where the body was still being buffered
 * (a personalised playlist).
 */
import { describe, expect, it } from 'vitest';
import { type EdgeWorker, useEdgeWithShield } from './edge-worker.ts';

const TIMEOUT_MS = 400;
// Far past the timeout: the stall must still be a stall when a loaded box runs the edge's timer late.
const STALL = { chunkDelayMs: TIMEOUT_MS * 15 };

/** The `code` of every structured error line the Worker logged. */
function errorCodes(edge: EdgeWorker): string[] {
  return edge.logs.flatMap((l) => {
    if (l.level !== 'error') return [];
    try {
      const code = (JSON.parse(l.message) as { code?: unknown }).code;
      return typeof code === 'string' ? [code] : [];
    } catch {
      return [];
    }
  });
}

/** Polls (up to 15 s) for the error line, which reaches this process through workerd's stdout. */
async function waitForCode(edge: EdgeWorker, code: string): Promise<void> {
  const deadline = Date.now() + 15_000;
  while (!errorCodes(edge).includes(code) && Date.now() < deadline)
    await new Promise((r) => setTimeout(r, 20));
}

describe('a shield that stalls mid-body', () => {
  const { shield, edge } = useEdgeWithShield({
    AUTH_MODE: 'off',
    SHIELD_TIMEOUT_MS: String(TIMEOUT_MS),
    MANIFEST_POLICIES: JSON.stringify({ countries: { DE: { origin: 'https://de.edge.test' } } }),
  });

  it('aborts a streamed segment, logs EDGE_ERR_SHIELD_TIMEOUT and stores nothing', async () => {
    shield().route('/vod/stall/seg.ts', {
      ...STALL,
      body: ['a'.repeat(4096), 'b'.repeat(4096)],
      headers: { 'content-type': 'video/mp2t', 'cache-control': 'public, max-age=600' },
    });
    const res = await edge().fetch('/vod/stall/seg.ts');
    expect(res.status).toBe(200);
    // The viewer's connection is cut: a body that ends early never reads as complete.
    await expect(res.arrayBuffer()).rejects.toThrow();
    await waitForCode(edge(), 'EDGE_ERR_SHIELD_TIMEOUT');
    expect(errorCodes(edge())).toContain('EDGE_ERR_SHIELD_TIMEOUT');
    expect(errorCodes(edge())).not.toContain('EDGE_ERR_INTERNAL');
    const caches = await edge().mf.getCaches();
    expect(await caches.default.match('https://edge.test/vod/stall/seg.ts')).toBeUndefined();
  });

  it('answers 504 EDGE_ERR_SHIELD_TIMEOUT for a playlist being personalised', async () => {
    shield().route('/vod/stall/index.m3u8', {
      ...STALL,
      body: ['#EXTM3U\n#EXT-X-TARGETDURATION:2\n', '#EXTINF:2,\ns0.ts\n#EXT-X-ENDLIST\n'],
      headers: { 'content-type': 'application/vnd.apple.mpegurl', 'cache-control': 'public, max-age=600' },
    });
    const res = await edge().fetch('/vod/stall/index.m3u8', {
      cf: { country: 'DE' },
      headers: { origin: 'https://player.example' },
    });
    expect(res.status).toBe(504);
    expect(res.headers.get('access-control-allow-origin')).not.toBeNull();
    expect(await res.json()).toEqual({ code: 'EDGE_ERR_SHIELD_TIMEOUT', message: 'upstream timed out' });
    expect(errorCodes(edge())).not.toContain('EDGE_ERR_INTERNAL');
  });
});
