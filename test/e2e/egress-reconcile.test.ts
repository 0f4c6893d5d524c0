/**
 * Per-tier reconciliation through the real stack (packager → shield → `wrangler dev`), recorded the
 * way `npm start` records it (startStack `egressDir`: .ndjson files per tier), plus the Queue → D1
 * ledger read back with `npm run egress -- report --from d1`.
 *
 * Each tier's ledger is compared with bytes measured outside that tier:
 * - edge: the raw body bytes this test's client received from the edge (undici, no decoding);
 * - shield: the raw body bytes this test received when it fetched straight from the shield with the
 *   shared secret (tagged CMCD sid "direct"), and, for the edge's own shield fetches, segment bytes
 *   the edge recorded as MISS (segments pass the edge unmodified, so the two counts must agree);
 * - origin: the sizes on disk of the files the packager served (the packager serves files as is).
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureMedia } from '../../scripts/media/make-media.ts';
import { REPO_ROOT, type Stack, startStack } from '../../scripts/stack/start-stack.ts';
import type { EgressRecord } from '../../src/core/ledger/record.ts';
import { ffmpegAvailable, requireInCi } from '../fixtures/tools.ts';

requireInCi(ffmpegAvailable, 'ffmpeg');

const SECRET = 'reconcile-secret';
const seg = (rendition: string, i: number) => `/vod/ts/${rendition}/seg_${String(i).padStart(5, '0')}.ts`;
const within = (ledger: number, measured: number) => Math.abs(ledger - measured) / measured;

describe.skipIf(!ffmpegAvailable)('egress ledger reconciliation per tier', () => {
  let stack: Stack;
  const mediaDir = resolve(REPO_ROOT, '.media');
  const dir = mkdtempSync(join(tmpdir(), 'edgeshield-reconcile-'));
  let edgeReceived = 0;
  let directReceived = 0;
  let edgePaths: string[] = [];

  beforeAll(async () => {
    await ensureMedia(mediaDir);
    stack = await startStack({
      mediaDir,
      sharedSecret: SECRET,
      edgeVars: { AUTH_MODE: 'off' },
      egressDir: dir,
    });
    edgePaths = [
      '/vod/ts/master.m3u8',
      '/vod/ts/360p/index.m3u8',
      ...Array.from({ length: 15 }, (_, i) => seg('360p', i)),
      // Second pass: edge hits.
      ...Array.from({ length: 5 }, (_, i) => seg('360p', i)),
      '/vod/ts/360p/missing.ts',
    ];
    const cmcd = encodeURIComponent('sid="reconcile-1",d=2000,ot=v');
    for (const path of edgePaths)
      edgeReceived += await rawBytes(`${stack.edgeUrl}${path}?CMCD=${cmcd}`, { 'accept-encoding': 'gzip' });
    // Straight to the shield, as a second edge would: 540p is never asked through the edge.
    const direct = encodeURIComponent('sid="direct"');
    for (const path of ['/vod/ts/540p/index.m3u8', seg('540p', 0), seg('540p', 1), seg('540p', 0)])
      directReceived += await rawBytes(`${stack.shieldUrl}${path}?CMCD=${direct}`, {
        'x-edgeshield-auth': SECRET,
      });
  });

  afterAll(async () => {
    await stack?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  /** Records in `<dir>/<file>` once `until` holds (20 s at most); health checks only with `withHealth`. */
  async function ledger(
    file: string,
    until: (r: EgressRecord[]) => boolean,
    withHealth = false,
  ): Promise<EgressRecord[]> {
    const read = () =>
      existsSync(join(dir, file))
        ? readFileSync(join(dir, file), 'utf8')
            .split('\n')
            .filter((l) => l.startsWith('{'))
            .map((l) => JSON.parse(l) as EgressRecord)
            .filter((r) => withHealth || r.path !== '/healthz')
        : [];
    const deadline = Date.now() + 20_000;
    while (!until(read()) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
    return read();
  }

  const sum = (records: readonly EgressRecord[], field: 'bytes' | 'originBytes' = 'bytes') =>
    records.reduce((n, r) => n + r[field], 0);

  it('edge: ledger bytes equal the bytes the client received, within 0.5 %', async () => {
    const edge = await ledger('edge.ndjson', (r) => r.length >= edgePaths.length);
    expect(edge).toHaveLength(edgePaths.length);
    expect(within(sum(edge), edgeReceived)).toBeLessThanOrEqual(0.005);
    expect(edge.filter((r) => r.cacheStatus === 'HIT').length).toBeGreaterThanOrEqual(5);
    expect(new Set(edge.map((r) => r.sessionId))).toEqual(new Set(['reconcile-1']));
  });

  it('shield: ledger bytes equal what a direct client received and what the edge recorded as MISS', async () => {
    // Also every direct record: the last MISS is written when its response closes, which may be after
    // the 21st record of the file already landed.
    const shield = (
      await ledger(
        'shield.ndjson',
        (r) =>
          r.filter((x) => x.tier === 'shield').length >= 21 &&
          r.filter((x) => x.tier === 'shield' && x.sessionId === 'direct').length >= 4,
      )
    ).filter((r) => r.tier === 'shield');
    const direct = shield.filter((r) => r.sessionId === 'direct');
    expect(direct).toHaveLength(4);
    expect(within(sum(direct), directReceived)).toBeLessThanOrEqual(0.005);
    // Per path, not in file order: a MISS is recorded when its response closes, which can come after
    // the next request's fast-lane HIT was already recorded.
    const statusesOf = (path: string) =>
      direct
        .filter((r) => r.path === path)
        .map((r) => r.cacheStatus)
        .sort();
    expect(statusesOf('/vod/ts/540p/index.m3u8')).toEqual(['MISS']);
    expect(statusesOf(seg('540p', 0))).toEqual(['HIT', 'MISS']);
    expect(statusesOf(seg('540p', 1))).toEqual(['MISS']);

    const edge = await ledger('edge.ndjson', (r) => r.length >= edgePaths.length);
    const edgeSegmentMisses = edge.filter((r) => r.contentKind === 'segment' && r.originBytes > 0);
    const shieldSegmentsForEdge = shield.filter(
      (r) => r.sessionId !== 'direct' && r.contentKind === 'segment',
    );
    expect(edgeSegmentMisses.length).toBeGreaterThanOrEqual(15);
    expect(within(sum(shieldSegmentsForEdge), sum(edgeSegmentMisses, 'originBytes'))).toBeLessThanOrEqual(
      0.005,
    );
  });

  it('origin: packager bytes equal the files served and the shield MISS originBytes', async () => {
    // 200s only: the packager's 404 body for missing.ts is discarded by the shield (see the notes).
    const served = (r: EgressRecord[]) => r.filter((x) => x.tier === 'origin' && x.status === 200);
    const shieldRecords = (r: EgressRecord[]) => r.filter((x) => x.tier === 'shield');
    // Until the two tiers agree (or 20 s pass): a fill's origin record and its response's shield
    // record are written at different moments (the packager body's close, the response's close).
    const all = await ledger(
      'shield.ndjson',
      (r) =>
        r.filter((x) => x.tier === 'origin').length >= 20 &&
        sum(shieldRecords(r), 'originBytes') === sum(served(r)),
    );
    const origin = served(all);
    const onDisk = origin.reduce((n, r) => n + statSync(join(mediaDir, r.path)).size, 0);
    expect(origin.length).toBeGreaterThanOrEqual(20);
    expect(within(sum(origin), onDisk)).toBeLessThanOrEqual(0.005);
    expect(sum(shieldRecords(all), 'originBytes')).toBe(sum(origin));
  });

  it('the finance CLI reads the .egress-style directory and the local D1 ledger with the same totals', async () => {
    // The CLI counts everything in the files, the stack's own /healthz probes included; the wait
    // counts without them, so they cannot stand in for records still to come.
    const edge = await ledger(
      'edge.ndjson',
      (r) => r.filter((x) => x.path !== '/healthz').length >= edgePaths.length,
      true,
    );
    const tierRow = (stdout: string, tier: string) =>
      Number(
        stdout
          .split('\n')
          .find((l) => l.startsWith(`tier,${tier},`))
          ?.split(',')[5],
      );
    const fromDir = cli(['--from', dir]);
    expect(tierRow(fromDir, 'edge')).toBe(sum(edge));
    expect(tierRow(fromDir, 'shield')).toBeGreaterThan(0);
    expect(tierRow(fromDir, 'origin')).toBeGreaterThan(0);

    // Queue → consumer → D1 runs inside wrangler dev; its batches land within ~1 s on an idle box.
    let fromD1 = Number.NaN;
    const deadline = Date.now() + 30_000;
    for (;;) {
      fromD1 = tierRow(cli(['--from', 'd1', '--d1-persist-to', stack.persistDir]), 'edge');
      if (fromD1 === sum(edge) || Date.now() > deadline) break;
      await new Promise((r) => setTimeout(r, 1000));
    }
    expect(fromD1).toBe(sum(edge));
  });
});

async function rawBytes(url: string, headers: Record<string, string>): Promise<number> {
  const res = await request(url, { headers });
  let n = 0;
  for await (const chunk of res.body) n += (chunk as Buffer).byteLength;
  return n;
}

function cli(args: readonly string[]): string {
  const run = spawnSync(
    process.execPath,
    ['scripts/egress/main.ts', 'report', ...args, '--by', 'tier', '--format', 'csv'],
    { cwd: REPO_ROOT, encoding: 'utf8', timeout: 60_000 },
  );
  if (run.status !== 0) throw new Error(`egress report failed: ${run.stderr}`);
  return run.stdout;
}
