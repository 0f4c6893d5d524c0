/**
 * Path traversal and SSRF probes against every tier: the dev packager (a real process over real files,
 * with a secret beside its root), the shield (in process, in front of a counting fake packager) and the
 * edge (workerd through Miniflare, in front of a counting fake shield). A probe succeeds when a secret
 * byte comes back, when a tier asks its upstream for a path that escapes (`..`, encoded dots or
 * slashes, backslash, NUL), or when anything at all reaches a decoy host named in the request.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from '../../scripts/stack/ports.ts';
import { spawnService, waitForHttp } from '../../scripts/stack/processes.ts';
import { REPO_ROOT } from '../../scripts/stack/start-stack.ts';
import { startEdgeWorker } from '../edge/edge-worker.ts';
import { startCountingUpstream } from '../fixtures/counting-upstream.ts';
import { startPair } from '../shield/helpers.ts';
import { exchange, rawGet } from './raw-http.ts';
import type { Row } from './report.ts';

const SECRET = 'TOP-SECRET-9f1c';
/** A path an upstream must never be asked for: traversal survived normalisation. */
const ESCAPED_PATH = /(^|\/)\.\.(\/|$)|%2e|%2f|%5c|\\|%00/i;
const escapes = (url: string): boolean => ESCAPED_PATH.test(url) || url.includes('\0');

/** Request targets; `DECOY` becomes the decoy's host:port. */
export const TRAVERSAL_TARGETS: readonly string[] = [
  '/../secret.txt',
  '/vod/../../secret.txt',
  '/%2e%2e/secret.txt',
  '/%2E%2E/%2E%2E/secret.txt',
  '/..%2fsecret.txt',
  '/vod/..%2f..%2fsecret.txt',
  '/%252e%252e/secret.txt',
  '/vod/%2e%2e%2f%2e%2e%2fsecret.txt',
  '/..\\secret.txt',
  '/vod/..%5c..%5csecret.txt',
  '/vod/%00/../../secret.txt',
  '/vod/a.ts%00.m3u8',
  '/.%2e/secret.txt',
  '/vod/.%2e/.%2e/secret.txt',
  '/%c0%ae%c0%ae/secret.txt',
  '/%e0%80%ae%e0%80%ae/secret.txt',
  '/vod/....//....//secret.txt',
  '/vod/..;/..;/secret.txt',
  '//secret.txt',
  '/vod/%2f%2f..%2f..%2fsecret.txt',
  '/vod/a/../../../secret.txt',
  '/./../secret.txt',
  'http://DECOY/x.ts',
  'http://169.254.169.254/latest/meta-data/x.ts',
  '//DECOY/x.ts',
  '/@DECOY/x.ts',
  '/vod/x.ts@DECOY',
  'DECOY/x.ts',
  '*',
];
const HEADER_PROBES: readonly string[] = [
  'Host: DECOY',
  'X-Forwarded-Host: DECOY',
  'X-Original-URL: http://DECOY/x.ts',
  'X-Rewrite-URL: //DECOY/x.ts',
  'Forwarded: host=DECOY',
];

/** Rows "traversal/SSRF probes: packager | shield | edge". */
export async function traversalProbes(limit: number): Promise<Row[]> {
  const decoy = await startCountingUpstream();
  const decoyHost = new URL(decoy.url).host;
  const targets = TRAVERSAL_TARGETS.slice(0, limit).map((t) => t.replace('DECOY', decoyHost));
  const headers = HEADER_PROBES.slice(0, Math.max(1, Math.floor(limit / 6))).map((h) =>
    h.replace('DECOY', decoyHost),
  );
  try {
    return [
      await probePackager(targets),
      await probeShield(targets, headers, () => decoy.requests.length),
      await probeEdge(targets, () => decoy.requests.length),
    ];
  } finally {
    await decoy.close();
  }
}

async function probePackager(targets: readonly string[]): Promise<Row> {
  const dir = mkdtempSync(join(tmpdir(), 'edgeshield-traversal-'));
  const root = join(dir, 'media');
  mkdirSync(join(root, 'vod', 'a'), { recursive: true });
  writeFileSync(join(root, 'vod', 'a', 'seg.ts'), 'segment');
  writeFileSync(join(dir, 'secret.txt'), SECRET);
  // Control: the same bytes inside the root must come back, or a leak could never be seen.
  writeFileSync(join(root, 'inside.txt'), SECRET);
  const port = await freePort();
  const packager = spawnService('packager', process.execPath, ['scripts/packager/main.ts'], {
    cwd: REPO_ROOT,
    env: { PACKAGER_HOST: '127.0.0.1', PACKAGER_PORT: String(port), PACKAGER_ROOT: root },
  });
  let bad = 0;
  try {
    await waitForHttp(`http://127.0.0.1:${port}/vod/a/seg.ts`, packager, 30_000);
    if (!(await exchange(port, rawGet('/inside.txt', `127.0.0.1:${port}`))).includes(SECRET))
      throw new Error('traversal harness: the packager did not serve the control file');
    for (const target of targets) {
      if ((await exchange(port, rawGet(target, `127.0.0.1:${port}`))).includes(SECRET)) bad++;
    }
  } finally {
    await packager.stop();
    rmSync(dir, { recursive: true, force: true });
  }
  return { category: 'traversal/SSRF probes: packager', tried: targets.length, badLabel: 'escaped', bad };
}

async function probeShield(
  targets: readonly string[],
  headers: readonly string[],
  decoyHits: () => number,
): Promise<Row> {
  const pair = await startPair();
  const before = decoyHits();
  let tried = 0;
  try {
    const host = `127.0.0.1:${pair.shield.port}`;
    await exchange(pair.shield.port, rawGet('/vod/control.ts', host));
    if (pair.upstream.count('/vod/control.ts') !== 1)
      throw new Error('traversal harness: the shield did not forward the control request');
    for (const target of targets) {
      tried++;
      await exchange(pair.shield.port, rawGet(target, host));
    }
    for (const header of headers) {
      tried++;
      await exchange(
        pair.shield.port,
        rawGet(
          '/vod/x.ts',
          header.startsWith('Host:') ? header.slice(6) : host,
          header.startsWith('Host:') ? [] : [header],
        ),
      );
    }
    return outcome('shield', tried, pair.upstream.requests, decoyHits() - before);
  } finally {
    await pair.close();
  }
}

async function probeEdge(targets: readonly string[], decoyHits: () => number): Promise<Row> {
  const shield = await startCountingUpstream();
  const edge = await startEdgeWorker({ AUTH_MODE: 'off', SHIELD_URLS: shield.url });
  const before = decoyHits();
  let tried = 0;
  try {
    await (await edge.mf.dispatchFetch('http://edge.test/vod/control.ts')).arrayBuffer();
    if (shield.count('/vod/control.ts') !== 1)
      throw new Error('traversal harness: the edge did not forward the control request');
    for (const target of targets) {
      // Miniflare takes an absolute URL: the target goes in as the path, unnormalised where possible.
      const path = target.startsWith('/') ? target : `/${target}`;
      tried++;
      try {
        const res = await edge.mf.dispatchFetch(`http://edge.test${path}`);
        await res.arrayBuffer();
      } catch {
        // A URL the client library refuses never reached the edge: not a success for the attacker.
      }
    }
    return outcome('edge', tried, shield.requests, decoyHits() - before);
  } finally {
    await edge.dispose();
    await shield.close();
  }
}

/** A tier's row: upstream requests whose path escaped, plus anything that reached the decoy. */
function outcome(tier: string, tried: number, upstream: readonly { url: string }[], decoyHits: number): Row {
  const bad = upstream.filter((r) => escapes(r.url)).length + decoyHits;
  return { category: `traversal/SSRF probes: ${tier}`, tried, badLabel: 'escaped', bad };
}
