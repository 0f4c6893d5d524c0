/**
 * The dev shield secret (edge → shield `x-edgeshield-auth`, shield `/purge`): made once into a
 * git-ignored file (`.dev-keys/shield-secret`, owner-only) and reused, so operators can find it for the
 * purge examples and it never needs to be passed on a command line. Never for production.
 */
import { randomBytes } from 'node:crypto';
import { link, mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';

export const SHIELD_SECRET_FILE = 'shield-secret';

/**
 * The secret stored in `<dir>/shield-secret`, made (64 hex chars) when missing.
 *
 * @example const { secret, file } = await ensureShieldSecret('.dev-keys')
 */
export async function ensureShieldSecret(dir: string): Promise<{ secret: string; file: string }> {
  const file = path.join(dir, SHIELD_SECRET_FILE);
  // undefined: no file yet; '' : a file that cannot be read or holds no usable secret.
  const stored = await readFile(file, 'utf8').then(
    (text) => text.trim(),
    (e: NodeJS.ErrnoException) => (e.code === 'ENOENT' ? undefined : ''),
  );
  if (stored !== undefined && /^[\x21-\x7e]+$/.test(stored)) return { secret: stored, file };
  await mkdir(dir, { recursive: true, mode: 0o700 });
  // Write a temp file, then put it in place: nobody reads half a file. A missing file is made with
  // link(), which never replaces: two stacks starting together agree on the first one's secret
  // (a rename would let the second overwrite the secret the first one's shield already uses).
  const temp = `${file}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
  await writeFile(temp, `${randomBytes(32).toString('hex')}\n`, { mode: 0o600 });
  try {
    if (stored === undefined) await link(temp, file);
    else await rename(temp, file);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
  } finally {
    await rm(temp, { force: true });
  }
  return { secret: (await readFile(file, 'utf8')).trim(), file };
}
