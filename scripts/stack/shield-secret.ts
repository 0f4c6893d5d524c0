/**
 * The dev shield secret (edge → shield `x-edgeshield-auth`, shield `/purge`): made once into a
 * git-ignored file (`.dev-keys/shield-secret`, owner-only) and reused, so operators can find it for the
 * purge examples and it never needs to be passed on a command line. Never for production.
 */
import { randomBytes } from 'node:crypto';
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import path from 'node:path';

export const SHIELD_SECRET_FILE = 'shield-secret';

/**
 * The secret stored in `<dir>/shield-secret`, made (64 hex chars) when missing.
 *
 * @example const { secret, file } = await ensureShieldSecret('.dev-keys')
 */
export async function ensureShieldSecret(dir: string): Promise<{ secret: string; file: string }> {
  const file = path.join(dir, SHIELD_SECRET_FILE);
  const stored = await readFile(file, 'utf8').then(
    (text) => text.trim(),
    () => '',
  );
  if (/^[\x21-\x7e]+$/.test(stored)) return { secret: stored, file };
  await mkdir(dir, { recursive: true, mode: 0o700 });
  // Write then rename: a stack starting at the same moment never reads half a file.
  const temp = `${file}.${process.pid}.tmp`;
  await writeFile(temp, `${randomBytes(32).toString('hex')}\n`, { mode: 0o600 });
  await rename(temp, file);
  return { secret: (await readFile(file, 'utf8')).trim(), file };
}
