/**
 * Edge purge through real processes (issue 13): dev packager → shield → `wrangler dev` with the
 * PURGE_LOG KV binding from wrangler.toml. A segment cached at both tiers is purged through the edge's
 * `POST /purge` with the shield secret as Bearer credential (no EDGE_PURGE_SECRET set, as under
 * `npm start`); the next request is a MISS at the edge and at the shield, i.e. it reached the packager.
 */
import { resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureMedia } from '../../scripts/media/make-media.ts';
import { REPO_ROOT, type Stack, startStack } from '../../scripts/stack/start-stack.ts';
import { ffmpegAvailable, requireInCi } from '../fixtures/tools.ts';

requireInCi(ffmpegAvailable, 'ffmpeg');

const SECRET = `purge-e2e-${crypto.randomUUID()}`;
const SEGMENT = '/vod/ts/360p/seg_00001.ts';

describe.skipIf(!ffmpegAvailable)('edge purge through wrangler dev', () => {
  let stack: Stack;
  beforeAll(async () => {
    const mediaDir = resolve(REPO_ROOT, '.media');
    await ensureMedia(mediaDir);
    stack = await startStack({ mediaDir, sharedSecret: SECRET, edgeVars: { AUTH_MODE: 'off' } });
  });
  afterAll(async () => {
    await stack?.stop();
  });

  /** x-cache at the edge and at the shield for one GET of `path`. */
  async function tiers(path: string): Promise<[string | null, string | null]> {
    const res = await fetch(`${stack.edgeUrl}${path}`);
    await res.arrayBuffer();
    return [res.headers.get('x-cache'), res.headers.get('x-cache-shield')];
  }

  /**
   * Reads until the edge answers HIT (its cache fill runs in waitUntil, after the response); up to
   * 30 s, as wrangler dev on a loaded box is slow, while an idle one is there on the second read.
   */
  async function untilEdgeHit(path: string): Promise<void> {
    const deadline = Date.now() + 30_000;
    while ((await tiers(path))[0] !== 'HIT') {
      if (Date.now() > deadline) throw new Error(`${path} never became an edge HIT`);
      await new Promise((r) => setTimeout(r, 100));
    }
  }

  it('purges a prefix at the edge and the shield: the next request goes back to the packager', async () => {
    await tiers(SEGMENT);
    await untilEdgeHit(SEGMENT);

    const refused = await fetch(`${stack.edgeUrl}/purge`, { method: 'POST', body: '{"prefix":"/vod/ts/"}' });
    expect(refused.status).toBe(401);
    expect((await tiers(SEGMENT))[0]).toBe('HIT');

    const res = await fetch(`${stack.edgeUrl}/purge`, {
      method: 'POST',
      headers: { authorization: `Bearer ${SECRET}`, 'content-type': 'application/json' },
      body: JSON.stringify({ prefix: '/vod/ts/' }),
    });
    expect(res.status).toBe(200);
    const body = (await res.json()) as { shields: { shield: number; status: number; purged?: number }[] };
    expect(body.shields).toHaveLength(1);
    expect(body.shields[0]).toMatchObject({ shield: 1, status: 200 });
    expect(body.shields[0]?.purged).toBeGreaterThan(0);

    expect(await tiers(SEGMENT)).toEqual(['MISS', 'MISS']);
  });
});
