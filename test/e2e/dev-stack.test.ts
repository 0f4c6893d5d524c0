/**
 * `npm start` (scripts/dev.ts) as a user runs it: a real process on free ports that prints a player URL
 * and a signed edge master URL that both work, and that leaves nothing behind on SIGTERM (no orphaned
 * workerd, no port still listening). Process facts come from /proc (Linux only), filtered to this run's
 * process groups, ports and wrangler state dir so workerd processes of other tests do not count.
 */
import { resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureMedia } from '../../scripts/media/make-media.ts';
import { freePort } from '../../scripts/stack/ports.ts';
import { REPO_ROOT } from '../../scripts/stack/start-stack.ts';
import {
  acceptsConnections,
  type DevRun,
  EXIT_TIMEOUT_MS,
  eventually,
  expectNoneLeft,
  killGroups,
  type ProcEntry,
  processTable,
  spawnDev,
  UP_TIMEOUT_MS,
  waitForOutput,
  withTimeout,
} from '../fixtures/dev-run.ts';
import { weriftOffer } from '../fixtures/rtc.ts';
import { ffmpegAvailable, requireInCi } from '../fixtures/tools.ts';

requireInCi(ffmpegAvailable, 'ffmpeg');

describe.skipIf(!ffmpegAvailable || process.platform !== 'linux')('npm start (scripts/dev.ts)', () => {
  let run: DevRun | undefined;
  const ports = { packager: 0, shield: 0, edge: 0, inspector: 0, player: 0, rtc: 0 };
  let playerPage = '';
  let whepPage = '';
  let masterUrl = '';
  let persistDir = '';
  /** Process groups of the services dev.ts spawned (each service leads its own group). */
  const serviceGroups = new Set<number>();

  beforeAll(async () => {
    const mediaDir = resolve(REPO_ROOT, '.media');
    await ensureMedia(mediaDir);
    ports.packager = await freePort();
    ports.shield = await freePort();
    ports.edge = await freePort();
    ports.inspector = await freePort();
    ports.player = await freePort();
    ports.rtc = await freePort();
    run = spawnDev({
      RTC_PORT: String(ports.rtc),
      PACKAGER_PORT: String(ports.packager),
      SHIELD_PORT: String(ports.shield),
      EDGE_PORT: String(ports.edge),
      EDGE_INSPECTOR_PORT: String(ports.inspector),
      PLAYER_PORT: String(ports.player),
      PACKAGER_ROOT: mediaDir,
    });
    await waitForOutput(run, /local stack is up:[\s\S]*Ctrl-C stops everything\./, UP_TIMEOUT_MS);
    const out = run.output();
    playerPage = out.match(/play VOD through the edge:\s+(\S+)/)?.[1] ?? '';
    masterUrl = out.match(/master playlist \(edge\):\s+(\S+)/)?.[1] ?? '';
    whepPage = out.match(/play WebRTC \(WHEP[^)]*\) through the edge:\s+(\S+)/)?.[1] ?? '';
    persistDir = out.match(/wrangler state\s+(\S+)/)?.[1] ?? '';
    const devPid = run.child.pid ?? -1;
    for (const p of processTable()) if (p.ppid === devPid) serviceGroups.add(p.pgid);
  });

  afterAll(async () => {
    // Only if a test failed half-way: nothing of this run may outlive the file.
    if (run?.child.pid !== undefined && run.child.exitCode === null) {
      run.child.kill('SIGTERM');
      await withTimeout(run.exited, EXIT_TIMEOUT_MS, 'dev.ts exit').catch(() => undefined);
      killGroups([run.child.pid]);
    }
    killGroups(serviceGroups);
  });

  it('prints a player page URL that answers 200', async () => {
    expect(playerPage).toContain(`http://127.0.0.1:${ports.player}/`);
    const res = await fetch(playerPage);
    expect(res.status).toBe(200);
    expect(await res.text()).toContain('<video');
  });

  it('prints a signed edge master playlist URL that answers 200 with an HLS playlist', async () => {
    expect(masterUrl).toMatch(
      new RegExp(`^http://127\\.0\\.0\\.1:${ports.edge}/~t/[^/]+/vod/ts/master\\.m3u8$`),
    );
    const res = await fetch(masterUrl);
    const text = await res.text();
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toContain('mpegurl');
    expect(text.startsWith('#EXTM3U')).toBe(true);
    expect(text).toContain('#EXT-X-STREAM-INF');
  });

  it('prints a WHEP page whose signed endpoint on the edge answers an offer from the media server', async () => {
    expect(whepPage).toContain(`http://127.0.0.1:${ports.player}/?whep=`);
    const endpoint = new URL(new URL(whepPage).searchParams.get('whep') ?? '');
    expect(endpoint.origin).toBe(`http://127.0.0.1:${ports.edge}`);
    expect(endpoint.pathname).toBe('/whep/live');
    const token = endpoint.searchParams.get('token') ?? '';
    const offer = await weriftOffer('recvonly');
    const whep = `${endpoint.origin}${endpoint.pathname}`;
    const post = (headers: Record<string, string>) =>
      fetch(whep, {
        method: 'POST',
        headers: { 'content-type': 'application/sdp', ...headers },
        body: offer,
      });
    expect((await post({})).status).toBe(401);
    const res = await post({ authorization: `Bearer ${token}` });
    const answer = await res.text();
    expect(res.status, answer).toBe(201);
    expect(answer).toMatch(/^v=0/);
    const session = res.headers.get('location') ?? '';
    expect(session).toMatch(/^\/whep\/live\/sessions\/[A-Za-z0-9_-]+$/);
    const gone = await fetch(`${endpoint.origin}${session}`, {
      method: 'DELETE',
      headers: { authorization: `Bearer ${token}` },
    });
    expect(gone.status).toBe(200);
  });

  it('exits 0 on SIGTERM to dev.ts alone and leaves no process or listening port of the stack', async () => {
    if (!run) throw new Error('dev.ts did not start');
    // packager, shield, rtc, wrangler (whose group holds workerd), and the edge front on the edge port
    expect(serviceGroups.size).toBe(5);
    expect(persistDir).toMatch(/edgeshield-wrangler-/);
    const isOurs = (p: ProcEntry) =>
      serviceGroups.has(p.pgid) ||
      (p.cmdline.includes('workerd') &&
        (p.cmdline.includes(persistDir) ||
          new RegExp(`:(${ports.edge}|${ports.inspector})(?!\\d)`).test(p.cmdline)));
    expect(processTable().filter((p) => p.cmdline.includes('workerd') && isOurs(p)).length).toBeGreaterThan(
      0,
    );

    run.child.kill('SIGTERM'); // the leader only, not its group: dev.ts must stop its services itself
    expect(await withTimeout(run.exited, EXIT_TIMEOUT_MS, 'dev.ts exit')).toBe(0);

    await expectNoneLeft(isOurs);
    for (const [name, port] of Object.entries(ports)) {
      const closed = await eventually(async () => !(await acceptsConnections(port)));
      expect(closed, `${name} port ${port} still accepts connections`).toBe(true);
    }
  });
});

describe.skipIf(!ffmpegAvailable || process.platform !== 'linux')('npm start interrupted', () => {
  it('exits 0 on SIGTERM while the stack is still starting and leaves no service process', async () => {
    await ensureMedia(resolve(REPO_ROOT, '.media'));
    const env: Record<string, string> = { PACKAGER_ROOT: resolve(REPO_ROOT, '.media') };
    for (const key of ['PACKAGER_PORT', 'SHIELD_PORT', 'EDGE_PORT', 'EDGE_INSPECTOR_PORT', 'PLAYER_PORT'])
      env[key] = String(await freePort());
    const run = spawnDev(env);
    const groups = new Set<number>();
    try {
      // The packager starts first; the edge takes seconds more, so this lands mid-start.
      const devPid = run.child.pid ?? -1;
      const spawned = await eventually(() => {
        for (const p of processTable()) if (p.ppid === devPid) groups.add(p.pgid);
        return groups.size > 0;
      }, UP_TIMEOUT_MS);
      expect(spawned, run.output()).toBe(true);
      run.child.kill('SIGTERM');
      expect(await withTimeout(run.exited, EXIT_TIMEOUT_MS, 'dev.ts exit')).toBe(0);
      expect(run.output()).toContain('stopped while starting');
      await expectNoneLeft((p) => groups.has(p.pgid));
    } finally {
      if (run.child.exitCode === null) run.child.kill('SIGKILL');
      killGroups(groups);
    }
  });
});

describe('npm start config', () => {
  it('exits 2 naming the key when a port is not a number', async () => {
    const run = spawnDev({ EDGE_PORT: 'abc' });
    const code = await withTimeout(run.exited, 30_000, 'dev.ts exit');
    expect(code).toBe(2);
    expect(run.output()).toContain('EDGE_PORT: expected an integer from 1 to 65535, got "abc"');
  });
});
