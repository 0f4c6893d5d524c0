/**
 * The live stream through real processes (packager → shield → `wrangler dev`): concurrent players at
 * the live edge cost the shield one request per segment, and LL-HLS blocking reloads and preload-hint
 * parts travel the whole stack held and collapsed.
 */
import { resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureMedia } from '../../scripts/media/make-media.ts';
import { REPO_ROOT, type Stack, startStack } from '../../scripts/stack/start-stack.ts';
import { ffmpegAvailable, requireInCi } from '../fixtures/tools.ts';

requireInCi(ffmpegAvailable, 'ffmpeg');

const PLAYERS = 12;

describe.skipIf(!ffmpegAvailable)('live through the edge', () => {
  let stack: Stack;

  beforeAll(async () => {
    const mediaDir = resolve(REPO_ROOT, '.media');
    await ensureMedia(mediaDir);
    stack = await startStack({ mediaDir, edgeVars: { AUTH_MODE: 'off' } });
  });

  afterAll(async () => {
    await stack?.stop();
  });

  it('sends each live segment to the shield once, however many players ask at once', async () => {
    const playlist = await (await fetch(`${stack.edgeUrl}/live/ts/360p/index.m3u8`)).text();
    const uris = playlist
      .split('\n')
      .filter((l) => l.startsWith('seg_'))
      .slice(-3);
    expect(uris.length).toBe(3);
    for (const uri of uris) {
      const url = `${stack.edgeUrl}/live/ts/360p/${uri}`;
      const responses = await Promise.all(
        Array.from({ length: PLAYERS }, (_, i) => fetch(`${url}?token=p${i}&CMCD=sid%3D%22s${i}%22`)),
      );
      const bodies = await Promise.all(responses.map(async (r) => Buffer.from(await r.arrayBuffer())));
      expect(responses.every((r) => r.status === 200)).toBe(true);
      expect(new Set(bodies.map((b) => b.toString('base64'))).size).toBe(1);
      // One edge request went to the shield (MISS); everyone else shared it or the cache.
      const misses = responses.filter((r) => r.headers.get('x-cache') === 'MISS');
      expect(misses).toHaveLength(1);
      expect(misses[0]?.headers.get('x-cache-shield')).toBe('MISS');
      expect(
        responses.every((r) => ['MISS', 'COALESCED', 'HIT'].includes(r.headers.get('x-cache') ?? '')),
      ).toBe(true);
    }
    const again = await fetch(`${stack.edgeUrl}/live/ts/360p/${uris[0]}`);
    await again.arrayBuffer();
    expect(again.headers.get('x-cache')).toBe('HIT');
  });

  it('holds and collapses LL-HLS blocking reloads across the stack', async () => {
    const base = `${stack.edgeUrl}/llhls/ts/360p`;
    const text = await (await fetch(`${base}/index.m3u8`)).text();
    const hint = /#EXT-X-PRELOAD-HINT:TYPE=PART,URI="seg_(\d+)\.p(\d+)\.ts"/.exec(text);
    expect(hint).not.toBeNull();
    const [msn, part] = [Number(hint?.[1]), Number(hint?.[2])];
    const query = `?_HLS_msn=${msn}&_HLS_part=${part}`;
    const responses = await Promise.all(
      Array.from({ length: PLAYERS }, () => fetch(`${base}/index.m3u8${query}`)),
    );
    const texts = await Promise.all(responses.map((r) => r.text()));
    expect(responses.every((r) => r.status === 200)).toBe(true);
    expect(new Set(texts).size).toBe(1);
    expect(texts[0]).toContain(`URI="seg_${msn}.p${part}.ts"`);
    expect(responses.filter((r) => r.headers.get('x-cache') === 'MISS')).toHaveLength(1);

    const partRes = await fetch(`${base}/seg_${msn}.p${part}.ts`);
    expect(partRes.status).toBe(200);
    expect((await partRes.arrayBuffer()).byteLength % 188).toBe(0);
  });

  it('answers 400 through the stack for a blocking reload far beyond the live edge', async () => {
    const text = await (await fetch(`${stack.edgeUrl}/llhls/ts/360p/index.m3u8`)).text();
    const msn = Number(/#EXT-X-PRELOAD-HINT:TYPE=PART,URI="seg_(\d+)/.exec(text)?.[1]);
    const res = await fetch(`${stack.edgeUrl}/llhls/ts/360p/index.m3u8?_HLS_msn=${msn + 20}`);
    expect(res.status).toBe(400);
    await res.text();
  });
});
