/**
 * Open-file limits (`ulimit -n`, RLIMIT_NOFILE soft) of this process and of a child, so a category
 * that holds thousands of sockets can size itself to what the machine allows and say so.
 * Test helper: reads /proc (Linux) or asks `sh`; no assertions.
 */
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';

/** `Max open files  <soft>  <hard>  files` in /proc/<pid>/limits; Infinity for "unlimited". */
function fromProc(pid: number | 'self'): number | undefined {
  let text: string;
  try {
    text = readFileSync(`/proc/${pid}/limits`, 'utf8');
  } catch {
    return undefined;
  }
  const soft = /^Max open files\s+(\S+)/m.exec(text)?.[1];
  if (soft === undefined) return undefined;
  return soft === 'unlimited' ? Number.POSITIVE_INFINITY : Number(soft);
}

/** This process's soft limit on open files (`ulimit -n`), or undefined if it cannot be read. */
export function ownOpenFileLimit(): number | undefined {
  const proc = fromProc('self');
  if (proc !== undefined) return proc;
  // No /proc (macOS): a shell we spawn inherits our limit.
  const out = spawnSync('sh', ['-c', 'ulimit -n'], { encoding: 'utf8' }).stdout?.trim() ?? '';
  if (out === 'unlimited') return Number.POSITIVE_INFINITY;
  const n = Number(out);
  return out !== '' && Number.isFinite(n) ? n : undefined;
}

/** A child's soft limit (Linux); elsewhere undefined (a spawned child inherits ours). */
export function childOpenFileLimit(pid: number): number | undefined {
  return fromProc(pid);
}
