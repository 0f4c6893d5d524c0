/**
 * Where generated media lives on disk while it is made: hidden temp siblings of the target, swapped
 * into place in one rename, and leftovers of killed runs cleaned up. Must not generate media or decide
 * whether a directory may be replaced (make-media.ts does).
 */
import { readdir, rename, rm } from 'node:fs/promises';
import path from 'node:path';

/**
 * Renames `temp` to `target`, replacing an older copy only once the new one is in place (the old one
 * is restored if the rename fails).
 *
 * @example await swapIntoPlace('/x/.media.tmp-1-a', '/x/.media')
 */
export async function swapIntoPlace(temp: string, target: string): Promise<void> {
  const old = path.join(path.dirname(target), `${hiddenName(target)}.old-${process.pid}-${Date.now()}`);
  const hadOld = await rename(target, old).then(
    () => true,
    (error: NodeJS.ErrnoException) => {
      if (error.code === 'ENOENT') return false;
      throw error;
    },
  );
  try {
    await rename(temp, target);
  } catch (error) {
    if (hadOld) await rename(old, target);
    throw error;
  }
  if (hadOld) await rm(old, { recursive: true, force: true });
}

/**
 * Removes temp/old directories left by runs whose process is gone (killed mid-generation).
 *
 * @example await removeStaleTemps('/x', '.media') // drops /x/.media.tmp-<dead pid>-…
 */
export async function removeStaleTemps(parent: string, base: string): Promise<void> {
  const pattern = new RegExp(`^${escapeRegExp(base)}\\.(?:tmp|old)-(\\d+)-`);
  for (const name of await readdir(parent)) {
    const pid = Number(pattern.exec(name)?.[1]);
    if (Number.isInteger(pid) && pid > 0 && !isAlive(pid)) {
      await rm(path.join(parent, name), { recursive: true, force: true });
    }
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * `.media` stays `.media`, `media` becomes `.media`: temp siblings are dot-dirs either way.
 *
 * @example hiddenName('/x/media') // '.media'
 */
export function hiddenName(target: string): string {
  const base = path.basename(target);
  return base.startsWith('.') ? base : `.${base}`;
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
