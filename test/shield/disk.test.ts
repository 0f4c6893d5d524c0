/** Disk tier: survives restart, byte-bounded, corrupt files ignored and removed. */
import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { silentLogger } from '../../origin/log.ts';
import { type RunningShield, startShield } from '../../origin/server.ts';
import { type CountingUpstream, startCountingUpstream } from '../fixtures/counting-upstream.ts';
import { IMMUTABLE, send, shieldConfig } from './helpers.ts';

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'shield-disk-'));
  cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

async function upstream(): Promise<CountingUpstream> {
  const up = await startCountingUpstream();
  cleanups.push(() => up.close());
  return up;
}

async function shield(
  up: CountingUpstream,
  dir: string,
  env: Record<string, string> = {},
): Promise<RunningShield> {
  const s = await startShield(
    shieldConfig({
      SHIELD_UPSTREAMS: up.url,
      SHIELD_DISK_DIR: dir,
      SHIELD_UPSTREAM_TIMEOUT_MS: '2000',
      ...env,
    }),
    { logger: silentLogger },
  );
  cleanups.push(() => s.close());
  return s;
}

const fileOf = (dir: string, key: string) =>
  join(dir, `${createHash('sha256').update(key).digest('hex')}.obj`);
const objFiles = (dir: string) => readdirSync(dir).filter((n) => n.endsWith('.obj'));
const dirBytes = (dir: string) => objFiles(dir).reduce((n, f) => n + statSync(join(dir, f)).size, 0);

describe('disk tier', () => {
  it('serves a segment as a HIT after a restart with the same directory, without an upstream request', async () => {
    const dir = tempDir();
    const up = await upstream();
    up.route('/v/seg_0.ts', { body: 'x'.repeat(5000), headers: IMMUTABLE });
    const first = await shield(up, dir);
    expect((await send(first.url, '/v/seg_0.ts')).header('x-cache')).toBe('MISS');
    await first.close();
    expect(existsSync(fileOf(dir, '/v/seg_0.ts'))).toBe(true);

    const second = await shield(up, dir);
    const res = await send(second.url, '/v/seg_0.ts');
    expect(res.header('x-cache')).toBe('HIT');
    expect(res.body.toString()).toBe('x'.repeat(5000));
    expect(res.header('content-type')).toBe('video/mp2t');
    expect(up.count('/v/seg_0.ts')).toBe(1);
  });

  it('serves an object evicted from memory from disk', async () => {
    const dir = tempDir();
    const up = await upstream();
    for (const n of [0, 1, 2]) up.route(`/e/${n}.ts`, { body: String(n).repeat(4000), headers: IMMUTABLE });
    const s = await shield(up, dir, { SHIELD_CACHE_BYTES: '6000' });
    for (const n of [0, 1, 2]) await send(s.url, `/e/${n}.ts`);
    await s.store.flush?.();
    expect(s.store.peek('/e/0.ts')).toBeUndefined();
    const res = await send(s.url, '/e/0.ts');
    expect(res.header('x-cache')).toBe('HIT');
    expect(res.body.toString()).toBe('0'.repeat(4000));
    expect(up.count('/e/0.ts')).toBe(1);
  });

  it('keeps the files within SHIELD_DISK_BYTES, dropping the least recently used', async () => {
    const dir = tempDir();
    const up = await upstream();
    for (const n of [0, 1, 2, 3]) up.route(`/b/${n}.ts`, { body: 'z'.repeat(1000), headers: IMMUTABLE });
    const s = await shield(up, dir, { SHIELD_DISK_BYTES: '3000' });
    for (const n of [0, 1, 2, 3]) {
      await send(s.url, `/b/${n}.ts`);
      await s.store.flush?.();
    }
    expect(dirBytes(dir)).toBeLessThanOrEqual(3000);
    expect(existsSync(fileOf(dir, '/b/0.ts'))).toBe(false);
    expect(existsSync(fileOf(dir, '/b/3.ts'))).toBe(true);
    expect(s.store.cold?.usedBytes).toBe(dirBytes(dir));
  });

  it('removes unreadable files at start and a file whose body fails its CRC when read', async () => {
    const dir = tempDir();
    const up = await upstream();
    up.route('/c/seg.ts', { body: 'good-bytes', headers: IMMUTABLE });
    const first = await shield(up, dir);
    await send(first.url, '/c/seg.ts');
    await first.close();
    const path = fileOf(dir, '/c/seg.ts');
    const bytes = readFileSync(path);
    bytes[bytes.length - 1] = 0x21; // same size, different body
    writeFileSync(path, bytes);
    writeFileSync(join(dir, `${'0'.repeat(64)}.obj`), 'not a header');
    writeFileSync(join(dir, 'abc.1.2.tmp'), 'half-written');

    const second = await shield(up, dir);
    await second.store.flush?.();
    expect(readdirSync(dir).sort()).toEqual([
      `${createHash('sha256').update('/c/seg.ts').digest('hex')}.obj`,
    ]);
    const res = await send(second.url, '/c/seg.ts');
    expect(res.header('x-cache')).toBe('MISS');
    expect(res.body.toString()).toBe('good-bytes');
    expect(up.count('/c/seg.ts')).toBe(2);
  });

  it('does not write short-lived objects (live playlists) to disk', async () => {
    const dir = tempDir();
    const up = await upstream();
    up.route('/l/index.m3u8', { body: '#EXTM3U\n', headers: { 'cache-control': 'max-age=1' } });
    const s = await shield(up, dir);
    await send(s.url, '/l/index.m3u8');
    await s.store.flush?.();
    expect(objFiles(dir)).toEqual([]);
  });
});
