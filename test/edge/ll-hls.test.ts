/**
 * LL-HLS through the edge in workerd, against the real dev packager in its simulated LL-HLS mode
 * (scripts/packager/live-ll.ts) on synthetic media, with a counting pass-through in front of it.
 * Blocking reloads (RFC 8216bis §6.2.5.2) and preload-hint parts are held upstream and collapsed
 * at the edge: N identical requests → 1 upstream request.
 */
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer, request, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PART_TARGET_MS } from '../../scripts/packager/live-ll.ts';
import { type RunningPackager, startPackager } from '../../scripts/packager/server.ts';
import { partCount } from '../../src/core/hls/live-window-ll.ts';
import { type EdgeWorker, startEdgeWorker } from './edge-worker.ts';

const PLAYLIST = '/llhls/ts/360p/index.m3u8';
const N = 20;

let dir: string;
let packager: RunningPackager;
let counter: Server;
const seen: string[] = [];
let edge: EdgeWorker;

/** Five 2 s "segments" of distinct 188-byte packets: enough for the packager's timeline and slicing. */
async function syntheticMedia(root: string): Promise<void> {
  const rendition = join(root, 'vod', 'ts', '360p');
  await mkdir(rendition, { recursive: true });
  const lines = ['#EXTM3U', '#EXT-X-VERSION:3', '#EXT-X-TARGETDURATION:2', '#EXT-X-MEDIA-SEQUENCE:0'];
  for (let i = 0; i < 5; i++) {
    await writeFile(join(rendition, `seg_${i}.ts`), Buffer.alloc(188 * 40, 0x47 + i));
    lines.push('#EXTINF:2.000,', `seg_${i}.ts`);
  }
  lines.push('#EXT-X-ENDLIST');
  await writeFile(join(rendition, 'index.m3u8'), `${lines.join('\n')}\n`);
}

/** A pass-through that records every request URL reaching the packager. */
async function countingProxy(target: string): Promise<Server> {
  const upstream = new URL(target);
  const server = createServer((req, res) => {
    seen.push(req.url ?? '');
    const out = request(
      {
        host: upstream.hostname,
        port: upstream.port,
        path: req.url,
        method: req.method,
        headers: req.headers,
      },
      (r) => {
        res.writeHead(r.statusCode ?? 502, r.headers);
        r.pipe(res);
      },
    );
    out.on('error', () => res.destroy());
    req.pipe(out);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return server;
}

const count = (url: string) => seen.filter((u) => u === url).length;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'edgeshield-llhls-'));
  await syntheticMedia(dir);
  packager = await startPackager({ host: '127.0.0.1', port: 0, root: dir, liveWindow: 4 });
  counter = await countingProxy(packager.url);
  const port = (counter.address() as AddressInfo).port;
  edge = await startEdgeWorker({ AUTH_MODE: 'off', SHIELD_URLS: `http://127.0.0.1:${port}` });
});

afterAll(async () => {
  await edge?.dispose();
  counter?.closeAllConnections();
  await new Promise<void>((resolve) => (counter ? counter.close(() => resolve()) : resolve()));
  await packager?.close();
  await rm(dir, { recursive: true, force: true });
});

/** The preload hint of the playlist the edge serves now. */
async function currentHint(): Promise<{ msn: number; part: number; uri: string }> {
  const text = await (await edge.fetch(PLAYLIST)).text();
  const m = /#EXT-X-PRELOAD-HINT:TYPE=PART,URI="(seg_(\d+)\.p(\d+)\.ts)"/.exec(text);
  if (!m) throw new Error(`no preload hint in:\n${text}`);
  return { uri: m[1] ?? '', msn: Number(m[2]), part: Number(m[3]) };
}

/**
 * The part after the preload hint: published 0.5–1 s from now, where the hinted one may be out at
 * once. A blocking reload for it is held while all N requests arrive, however slowly a loaded box
 * sends them; for the hinted part the first could already be answered and stored, and a late one
 * read back as a HIT rather than joining it.
 */
async function partAfterHint(): Promise<{ msn: number; part: number }> {
  const hint = await currentHint();
  // Synthetic segments are 2 s each (syntheticMedia).
  return hint.part + 1 < partCount(2, PART_TARGET_MS)
    ? { msn: hint.msn, part: hint.part + 1 }
    : { msn: hint.msn + 1, part: 0 };
}

describe('LL-HLS at the edge', () => {
  it('collapses N identical blocking reloads into one held upstream request', async () => {
    const hint = await partAfterHint();
    const query = `?_HLS_msn=${hint.msn}&_HLS_part=${hint.part}`;
    const responses = await Promise.all(
      Array.from({ length: N }, (_, i) => edge.fetch(`${PLAYLIST}${query}&token=viewer-${i}`)),
    );
    const texts = await Promise.all(responses.map((r) => r.text()));
    expect(responses.every((r) => r.status === 200)).toBe(true);
    expect(new Set(texts).size).toBe(1);
    // The held answer contains the part it was blocking for.
    expect(texts[0]).toContain(`URI="seg_${hint.msn}.p${hint.part}.ts"`);
    expect(count(`${PLAYLIST}${query}`)).toBe(1);
    expect(responses.filter((r) => r.headers.get('x-cache') === 'COALESCED')).toHaveLength(N - 1);
  });

  it('collapses N requests for the preload-hint part into one upstream request', async () => {
    const hint = await currentHint();
    const path = `/llhls/ts/360p/${hint.uri}`;
    const responses = await Promise.all(Array.from({ length: N }, () => edge.fetch(path)));
    const bodies = await Promise.all(
      responses.map(async (r) => Buffer.from(await r.arrayBuffer()).toString('hex')),
    );
    expect(responses.every((r) => r.status === 200)).toBe(true);
    expect(new Set(bodies).size).toBe(1);
    expect((bodies[0] ?? '').length).toBeGreaterThan(0);
    expect(count(path)).toBe(1);
  });

  it('answers 400 at once for a blocking reload far beyond the live edge, uncached', async () => {
    const hint = await currentHint();
    const query = `?_HLS_msn=${hint.msn + 10}`;
    for (let i = 0; i < 2; i++) {
      const res = await edge.fetch(`${PLAYLIST}${query}`);
      expect(res.status).toBe(400);
      expect(res.headers.get('x-cache')).toBe('BYPASS');
      await res.text();
    }
    expect(count(`${PLAYLIST}${query}`)).toBe(2);
  });

  it('cuts parts on 188-byte packet boundaries that concatenate to the whole segment', async () => {
    const hint = await currentHint();
    const msn = hint.msn - 1;
    const parts = await Promise.all(
      [0, 1, 2, 3].map(async (p) =>
        Buffer.from(await (await edge.fetch(`/llhls/ts/360p/seg_${msn}.p${p}.ts`)).arrayBuffer()),
      ),
    );
    const whole = Buffer.from(await (await edge.fetch(`/llhls/ts/360p/seg_${msn}.ts`)).arrayBuffer());
    expect(parts.every((p) => p.length > 0 && p.length % 188 === 0)).toBe(true);
    expect(Buffer.concat(parts).equals(whole)).toBe(true);
  });

  it('keys blocking reloads exactly: another part is another upstream request', async () => {
    const hint = await currentHint();
    const a = `?_HLS_msn=${hint.msn}&_HLS_part=${hint.part}`;
    const b = `?_HLS_msn=${hint.msn - 1}`;
    await Promise.all([a, b].map(async (q) => (await edge.fetch(`${PLAYLIST}${q}`)).text()));
    expect(count(`${PLAYLIST}${b}`)).toBe(1);
  });
});
