/**
 * Auth and geo end to end through real processes (packager → shield → wrangler dev): the URL printed
 * by `npm run sign` works, an expired one gets 403 on the master playlist, an unsigned one 401, and
 * the simulated country (cf.json via CLOUDFLARE_CF_FETCH_PATH) drives a 451 geo rule, and headers only
 * the platform may set (Miniflare's `MF-CF-Blob`, `CF-Connecting-IP`) cannot be forged by a client.
 */
import { spawnSync } from 'node:child_process';
import { resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureMedia } from '../../scripts/media/make-media.ts';
import { REPO_ROOT, type Stack, startStack } from '../../scripts/stack/start-stack.ts';
import { ffmpegAvailable, requireInCi } from '../fixtures/tools.ts';

requireInCi(ffmpegAvailable, 'ffmpeg');

/** Runs the real CLI (`npm run sign` = node scripts/sign/main.ts) against the stack's edge. */
function signCli(edgeUrl: string, ...args: string[]): string {
  const run = spawnSync(process.execPath, ['scripts/sign/main.ts', ...args], {
    cwd: REPO_ROOT,
    encoding: 'utf8',
    env: { ...process.env, EDGE_URL: edgeUrl },
    timeout: 30_000,
  });
  if (run.status !== 0) throw new Error(`sign failed: ${run.stderr}`);
  return run.stdout.trim();
}

describe.skipIf(!ffmpegAvailable)('auth and geo through the local stack', () => {
  let stack: Stack;

  beforeAll(async () => {
    const mediaDir = resolve(REPO_ROOT, '.media');
    await ensureMedia(mediaDir);
    stack = await startStack({
      mediaDir,
      cf: { country: 'FR', regionCode: 'IDF' },
      edgeVars: {
        GEO_RULES: JSON.stringify([
          {
            prefix: '/vod/fmp4/',
            deny: { countries: ['FR'] },
            status: 451,
            blockedBy: 'https://rights.example/',
          },
        ]),
      },
    });
  });

  afterAll(async () => {
    await stack?.stop();
  });

  it('serves the master playlist and a rendition for the URL `npm run sign` prints (path form)', async () => {
    const url = signCli(stack.edgeUrl, '/vod/ts/master.m3u8', '--in', 'path');
    const res = await fetch(url);
    expect(res.status).toBe(200);
    const variant = (await res.text()).split('\n').find((l) => l.endsWith('.m3u8'));
    const media = await fetch(new URL(variant ?? '', url));
    expect(media.status).toBe(200);
    await media.arrayBuffer();
  });

  it('answers 403 EDGE_ERR_TOKEN_INVALID on the master playlist for an expired signed URL', async () => {
    const res = await fetch(signCli(stack.edgeUrl, '/vod/ts/master.m3u8', '--ttl=-120'));
    expect(res.status).toBe(403);
    expect(((await res.json()) as { code: string }).code).toBe('EDGE_ERR_TOKEN_INVALID');
  });

  it('answers 401 without a token and serves /healthz without one', async () => {
    const res = await fetch(`${stack.edgeUrl}/vod/ts/master.m3u8`);
    expect(res.status).toBe(401);
    await res.arrayBuffer();
    expect((await fetch(`${stack.edgeUrl}/healthz`)).status).toBe(200);
  });

  // secure_link's default expression binds $remote_addr: wrangler dev reports the client as 127.0.0.1.
  it.each(['edgeauth', 'cloudfront', 'securelink'])(
    'accepts a %s URL from the signing CLI',
    async (format) => {
      const ip = format === 'securelink' ? ['--ip', '127.0.0.1'] : [];
      const res = await fetch(signCli(stack.edgeUrl, '/vod/ts/master.m3u8', '--format', format, ...ip));
      expect(res.status).toBe(200);
      await res.arrayBuffer();
    },
  );

  it('blocks the simulated country (cf.json: FR) with 451 and Link where a rule says so', async () => {
    const res = await fetch(await stack.sign('/vod/fmp4/master.m3u8'));
    expect(res.status).toBe(451);
    expect(res.headers.get('link')).toBe('<https://rights.example/>; rel="blocked-by"');
    await res.arrayBuffer();
  });

  describe('client headers only the platform may set (scripts/stack/edge-front.ts)', () => {
    const forgedDe = { 'mf-cf-blob': JSON.stringify({ country: 'DE', regionCode: 'BE', colo: 'DEV' }) };

    it('a forged MF-CF-Blob country does not pass a geo rule', async () => {
      const res = await fetch(await stack.sign('/vod/fmp4/master.m3u8'), { headers: forgedDe });
      expect(res.status).toBe(451);
      await res.arrayBuffer();
    });

    it("a forged MF-CF-Blob country does not satisfy a token's geo claim", async () => {
      const url = await stack.sign('/vod/ts/master.m3u8', { allowCountries: ['DE'] });
      const res = await fetch(url, { headers: forgedDe });
      expect(res.status).toBe(403);
      expect(((await res.json()) as { code: string }).code).toBe('EDGE_ERR_GEO_BLOCKED');
    });

    it('an invalid MF-CF-Blob is ignored, not a 500', async () => {
      const res = await fetch(await stack.sign('/vod/ts/master.m3u8'), {
        headers: { 'mf-cf-blob': '{not json' },
      });
      expect(res.status).toBe(200);
      await res.arrayBuffer();
    });

    it('a client CF-Connecting-IP does not satisfy an IP-bound token; the real peer address does', async () => {
      const spoofed = { 'cf-connecting-ip': '203.0.113.7' };
      const elsewhere = await fetch(await stack.sign('/vod/ts/master.m3u8', { ip: '203.0.113.7' }), {
        headers: spoofed,
      });
      expect(elsewhere.status).toBe(403);
      await elsewhere.arrayBuffer();
      const mine = await fetch(await stack.sign('/vod/ts/master.m3u8', { ip: '127.0.0.1' }), {
        headers: spoofed,
      });
      expect(mine.status).toBe(200);
      await mine.arrayBuffer();
    });
  });
});
