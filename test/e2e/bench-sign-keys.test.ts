/**
 * `bench --sign-keys DIR` only reads the keys a running edge verifies: a corrupt or unreadable key
 * file is reported as a usage error naming the file, and left byte-identical (never regenerated).
 * `npm start` (ensureDevKeys) makes keys only when there are none, and refuses a corrupt file too.
 */
import { spawn } from 'node:child_process';
import { mkdir, mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { BenchUsageError } from '../../bench/errors.ts';
import { signerFromKeys } from '../../bench/local-stack.ts';
import { DEV_KEYS_FILE, ensureDevKeys, readDevKeys } from '../../scripts/sign/dev-keys.ts';
import { ensureShieldSecret } from '../../scripts/stack/shield-secret.ts';
import { REPO_ROOT } from '../../scripts/stack/start-stack.ts';

/** What `ensureDevKeys` and `ensureShieldSecret` return in a separate process (as a second `npm start`). */
function keysFromChild(keysDir: string): Promise<string> {
  const script = `
    const { ensureDevKeys } = await import(${JSON.stringify(join(REPO_ROOT, 'scripts/sign/dev-keys.ts'))});
    const { ensureShieldSecret } = await import(${JSON.stringify(join(REPO_ROOT, 'scripts/stack/shield-secret.ts'))});
    const [keys, shield] = await Promise.all([ensureDevKeys(process.argv[1]), ensureShieldSecret(process.argv[1])]);
    process.stdout.write(JSON.stringify({ jwks: keys.edgeVars.AUTH_JWKS, secret: shield.secret }));`;
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--input-type=module', '-e', script, keysDir], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let out = '';
    child.stdout.setEncoding('utf8').on('data', (c: string) => {
      out += c;
    });
    child.once('error', reject);
    child.once('exit', (code) => (code === 0 ? resolve(out) : reject(new Error(`child exited ${code}`))));
  });
}

let dir: string;

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'sign-keys-'));
});

afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('bench --sign-keys', () => {
  it('reports a corrupt keys file and leaves it byte-identical', async () => {
    const file = join(dir, DEV_KEYS_FILE);
    const corrupt = '{"version": 1, "jwtPrivate": {"kty": "EC"'; // truncated mid-write
    await writeFile(file, corrupt);
    const error = await signerFromKeys(dir, 'http://127.0.0.1:8787').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(BenchUsageError);
    expect((error as Error).message).toMatch(/^--sign-keys: .*dev-keys\.json: not JSON/);
    expect(await readFile(file, 'utf8')).toBe(corrupt);
  });

  it('reports JSON that is not a keys file and leaves it byte-identical', async () => {
    const file = join(dir, DEV_KEYS_FILE);
    const other = '{"version": 2}\n';
    await writeFile(file, other);
    const error = await signerFromKeys(file, 'http://127.0.0.1:8787').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(BenchUsageError);
    expect((error as Error).message).toContain('not a version-1 dev keys file');
    expect(await readFile(file, 'utf8')).toBe(other);
  });

  it('reports an unreadable keys file and replaces nothing', async () => {
    // A directory where the file should be: unreadable even for root, unlike chmod 000.
    await mkdir(join(dir, DEV_KEYS_FILE));
    const error = await signerFromKeys(dir, 'http://127.0.0.1:8787').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(BenchUsageError);
    expect((error as Error).message).toMatch(/dev-keys\.json: cannot read \(EISDIR\)/);
    expect((await stat(join(dir, DEV_KEYS_FILE))).isDirectory()).toBe(true);
  });

  it('signs with the keys that are there, without rewriting them', async () => {
    await ensureDevKeys(dir);
    const before = await readFile(join(dir, DEV_KEYS_FILE), 'utf8');
    const sign = await signerFromKeys(dir, 'http://127.0.0.1:8787');
    const token = await sign('/vod/a.m3u8', { sub: 'v1', sid: 's1' });
    expect(token).toMatch(/\S/);
    expect(await readFile(join(dir, DEV_KEYS_FILE), 'utf8')).toBe(before);
  });
});

describe('dev keys for npm start and the tests (ensureDevKeys)', () => {
  it('makes keys only where there are none, and the same keys on the next start', async () => {
    const first = await ensureDevKeys(dir);
    const again = await ensureDevKeys(dir);
    expect(again.edgeVars).toEqual(first.edgeVars);
  });

  it('gives stacks starting at the same moment the same keys and shield secret as the files keep', async () => {
    // Six processes find no keys at once, as test files (or two `npm start`s) do on a fresh checkout.
    const seen = await Promise.all(Array.from({ length: 6 }, () => keysFromChild(dir)));
    const stored = JSON.stringify({
      jwks: (await readDevKeys(dir)).edgeVars.AUTH_JWKS,
      secret: (await ensureShieldSecret(dir)).secret,
    });
    expect(new Set(seen)).toEqual(new Set([stored]));
  });

  it('refuses a corrupt keys file instead of replacing it (a running edge may verify with it)', async () => {
    const file = join(dir, DEV_KEYS_FILE);
    const corrupt = '{"version": 1, "jwtPrivate"';
    await writeFile(file, corrupt);
    await expect(ensureDevKeys(dir)).rejects.toThrow(/dev-keys\.json: not JSON/);
    expect(await readFile(file, 'utf8')).toBe(corrupt);
  });
});
