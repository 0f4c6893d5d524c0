/**
 * The soak's measurements that need the machine: processes of a group from /proc, the size of a
 * folder on disk, and the Worker isolate's JS heap through wrangler dev's inspector (Chrome DevTools
 * protocol, via undici's WebSocket: it takes the Origin header the proxy wants). Linux only; every probe answers undefined rather than
 * throwing, so a missing reading never stops a long run.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { WebSocket } from 'undici';
import { parseSmapsRollup, type SmapsRollup } from '../../bench/shield/smaps.ts';
import {
  heapUsageReply,
  type IsolateHeap,
  inspectorTargets,
  isReplyTo,
  parseProcStat,
} from './soak-memory.ts';

export interface GroupProcess {
  readonly pid: number;
  readonly comm: string;
  /** Arguments joined by spaces. */
  readonly cmdline: string;
  readonly rollup: SmapsRollup;
}

/** Every live process of a process group, with its command name, command line and smaps_rollup. */
export function groupProcesses(pgid: number): GroupProcess[] {
  const found: GroupProcess[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = parseProcStat(readFileSync(`/proc/${entry}/stat`, 'utf8'));
      if (stat?.pgrp !== pgid) continue;
      const rollup = parseSmapsRollup(readFileSync(`/proc/${entry}/smaps_rollup`, 'utf8'));
      const cmdline = readFileSync(`/proc/${entry}/cmdline`, 'utf8').replaceAll('\0', ' ').trim();
      if (rollup) found.push({ pid: Number(entry), comm: stat.comm, cmdline, rollup });
    } catch {
      // The process exited between listing and reading.
    }
  }
  return found;
}

/** Bytes of regular files under a folder (allocated size is what fills a disk; this is the content). */
export function folderBytes(path: string): number | undefined {
  try {
    let bytes = 0;
    for (const entry of readdirSync(path, { withFileTypes: true })) {
      const full = join(path, entry.name);
      if (entry.isDirectory()) bytes += folderBytes(full) ?? 0;
      else if (entry.isFile()) bytes += statSync(full).size;
    }
    return bytes;
  } catch {
    return undefined;
  }
}

/**
 * The JS heap of the Worker's isolate after a full garbage collection (what it retains, not what is
 * waiting to be collected), through the inspector at `port`. One short connection per reading: the
 * inspector proxy serves one DevTools client at a time and nobody else is attached during a soak.
 */
export async function isolateHeap(port: number, timeoutMs = 20_000): Promise<IsolateHeap | undefined> {
  try {
    const list = await fetch(`http://127.0.0.1:${port}/json/list`, {
      signal: AbortSignal.timeout(timeoutMs),
    });
    const target = inspectorTargets(await list.json())[0];
    if (target === undefined) return undefined;
    return await heapOverSocket(target.webSocketDebuggerUrl, timeoutMs);
  } catch {
    return undefined;
  }
}

const GC_ID = 1;
const HEAP_ID = 2;

function heapOverSocket(url: string, timeoutMs: number): Promise<IsolateHeap | undefined> {
  return new Promise((resolve) => {
    // wrangler's inspector proxy refuses a DevTools client without a loopback Origin (Node sends none).
    const socket = new WebSocket(url, { headers: { Origin: 'http://127.0.0.1' } });
    let settled = false;
    const done = (heap: IsolateHeap | undefined) => {
      // close() on a failed socket fires another error event: settle once.
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      socket.close();
      resolve(heap);
    };
    const timer = setTimeout(() => done(undefined), timeoutMs);
    socket.onerror = () => done(undefined);
    socket.onopen = () => socket.send(JSON.stringify({ id: GC_ID, method: 'HeapProfiler.collectGarbage' }));
    socket.onmessage = (event) => {
      const message = String(event.data);
      // Replies may overtake each other through the proxy: ask for the heap once the collection is over.
      if (isReplyTo(message, GC_ID))
        socket.send(JSON.stringify({ id: HEAP_ID, method: 'Runtime.getHeapUsage' }));
      else if (isReplyTo(message, HEAP_ID)) done(heapUsageReply(message, HEAP_ID));
    };
  });
}
