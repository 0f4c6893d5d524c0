/**
 * What the soak reports about the edge's memory, split so that growth can be attributed: the edge is
 * one process group (wrangler's Node processes, workerd, esbuild), and workerd holds both the Worker's
 * isolate and Miniflare's local Cache API store. Pure: parses /proc text and inspector (Chrome
 * DevTools protocol) replies it is given; the I/O lives in soak-probes.ts.
 */
import type { SmapsRollup } from '../../bench/shield/smaps.ts';

/** Process group and command name from `/proc/<pid>/stat`; undefined when the text is not one. */
export function parseProcStat(text: string): { comm: string; pgrp: number } | undefined {
  // "pid (comm) state ppid pgrp …": comm may hold spaces and parentheses, so cut at the last ')'.
  const open = text.indexOf('(');
  const close = text.lastIndexOf(')');
  if (open < 0 || close < open) return undefined;
  const pgrp = Number(text.slice(close + 2).split(' ')[2]);
  return Number.isInteger(pgrp) ? { comm: text.slice(open + 1, close), pgrp } : undefined;
}

export type EdgeProcessKind = 'wrangler' | 'proxy' | 'runtime' | 'other';

/**
 * wrangler dev runs two workerd processes: its proxy (every request and response passes through it)
 * and the runtime holding the Worker's isolate and Miniflare's cache, D1 and KV. Only the runtime is
 * started with an inspector (`--inspector-addr`). Node (wrangler's launcher and CLI) by name; the rest
 * (esbuild) apart.
 */
export function edgeProcessKind(comm: string, cmdline: string): EdgeProcessKind {
  if (comm === 'workerd') return cmdline.includes('--inspector-addr') ? 'runtime' : 'proxy';
  // Node names its main thread "MainThread" in some builds.
  if (comm === 'node' || comm === 'MainThread') return 'wrangler';
  return 'other';
}

/** The edge group's memory by process kind, MiB (rounded). */
export interface EdgeMemory {
  /** Every process of the group (what the soak reported before). */
  readonly groupMiB: number;
  /** wrangler's Node processes (launcher + CLI/dev server). */
  readonly wranglerMiB: number;
  /** Both workerd processes. */
  readonly workerdMiB: number;
  /** workerd's anonymous pages: heaps (V8 isolates, SQLite page cache, allocator), stacks, JIT code. */
  readonly workerdAnonMiB: number;
  /** workerd's file-backed and shared pages (its binary, mmapped files such as SQLite databases). */
  readonly workerdFileMiB: number;
  /** wrangler's proxy workerd alone. */
  readonly proxyMiB: number;
  /** The runtime workerd alone (the Worker's isolate, Miniflare's cache store service). */
  readonly runtimeMiB: number;
  readonly otherMiB: number;
}

/** Sums each process's smaps_rollup into the edge's columns. */
export function edgeMemory(
  processes: readonly { comm: string; cmdline: string; rollup: SmapsRollup }[],
): EdgeMemory {
  const kib = { group: 0, wrangler: 0, proxy: 0, runtime: 0, workerdAnon: 0, other: 0 };
  for (const { comm, cmdline, rollup } of processes) {
    const kind = edgeProcessKind(comm, cmdline);
    kib.group += rollup.rssKiB;
    kib[kind] += rollup.rssKiB;
    if (kind === 'proxy' || kind === 'runtime') kib.workerdAnon += rollup.anonymousKiB;
  }
  const mib = (k: number) => Math.round(k / 1024);
  const workerd = kib.proxy + kib.runtime;
  return {
    groupMiB: mib(kib.group),
    wranglerMiB: mib(kib.wrangler),
    workerdMiB: mib(workerd),
    workerdAnonMiB: mib(kib.workerdAnon),
    workerdFileMiB: mib(workerd - kib.workerdAnon),
    proxyMiB: mib(kib.proxy),
    runtimeMiB: mib(kib.runtime),
    otherMiB: mib(kib.other),
  };
}

/** An inspector target from the DevTools `/json/list` endpoint. */
export interface InspectorTarget {
  readonly id?: string;
  readonly title?: string;
  readonly webSocketDebuggerUrl: string;
}

/** The targets of a `/json/list` reply that can be attached to; [] for anything else. */
export function inspectorTargets(body: unknown): InspectorTarget[] {
  if (!Array.isArray(body)) return [];
  return body.filter(
    (t): t is InspectorTarget =>
      typeof t === 'object' && t !== null && typeof (t as InspectorTarget).webSocketDebuggerUrl === 'string',
  );
}

/** Whether an inspector message is the reply (result or error) to request `id`, not an event. */
export function isReplyTo(message: string, id: number): boolean {
  try {
    const parsed: unknown = JSON.parse(message);
    return typeof parsed === 'object' && parsed !== null && (parsed as { id?: unknown }).id === id;
  } catch {
    return false;
  }
}

/** The isolate's JS heap, MiB (rounded to 0.1). */
export interface IsolateHeap {
  readonly usedMiB: number;
  readonly totalMiB: number;
}

/**
 * The result of `Runtime.getHeapUsage` for request `id` in one inspector message; undefined when the
 * message is another one (an event, another id) or an error.
 *
 * @example heapUsageReply('{"id":2,"result":{"usedSize":10485760,"totalSize":20971520}}', 2) // { usedMiB: 10, totalMiB: 20 }
 */
export function heapUsageReply(message: string, id: number): IsolateHeap | undefined {
  let parsed: unknown;
  try {
    parsed = JSON.parse(message);
  } catch {
    return undefined;
  }
  if (typeof parsed !== 'object' || parsed === null) return undefined;
  const { id: replyId, result } = parsed as { id?: unknown; result?: unknown };
  if (replyId !== id || typeof result !== 'object' || result === null) return undefined;
  const { usedSize, totalSize } = result as { usedSize?: unknown; totalSize?: unknown };
  if (typeof usedSize !== 'number' || typeof totalSize !== 'number') return undefined;
  const mib = (bytes: number) => Math.round((bytes / 2 ** 20) * 10) / 10;
  return { usedMiB: mib(usedSize), totalMiB: mib(totalSize) };
}
