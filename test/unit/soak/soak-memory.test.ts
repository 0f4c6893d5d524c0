/** The soak's split of the edge's memory: /proc text and inspector replies as the soak reads them. */
import { describe, expect, it } from 'vitest';
import type { SmapsRollup } from '../../../bench/shield/smaps.ts';
import {
  edgeMemory,
  edgeProcessKind,
  heapUsageReply,
  inspectorTargets,
  isReplyTo,
  parseProcStat,
} from '../../../test/adversarial/soak-memory.ts';

const rollup = (rssKiB: number, anonymousKiB: number): SmapsRollup => ({
  rssKiB,
  pssKiB: rssKiB,
  privateKiB: rssKiB,
  sharedKiB: 0,
  anonymousKiB,
});

describe('parseProcStat', () => {
  it('reads the command name and process group, even when the name holds spaces and parentheses', () => {
    expect(parseProcStat('4242 (workerd) S 4200 4100 4100 0 -1 4194560 …')).toEqual({
      comm: 'workerd',
      pgrp: 4100,
    });
    expect(parseProcStat('77 (a (b) c) R 1 70 70 0')).toEqual({ comm: 'a (b) c', pgrp: 70 });
  });

  it('answers undefined for text that is not a stat line', () => {
    expect(parseProcStat('')).toBeUndefined();
    expect(parseProcStat('12 (node) S')).toBeUndefined();
  });
});

// wrangler dev's two workerd command lines (/proc/<pid>/cmdline, NULs as spaces).
const PROXY = 'workerd serve --binary --experimental --socket-addr=entry=127.0.0.1:20023 --control-fd=3 -';
const RUNTIME = 'workerd serve --binary --experimental --control-fd=3 - --inspector-addr=127.0.0.1:0';

describe('edgeMemory', () => {
  it('splits the edge group into wrangler, both workerd processes (anonymous and file-backed) and the rest', () => {
    const memory = edgeMemory([
      { comm: 'node', cmdline: 'node wrangler.js dev', rollup: rollup(100 * 1024, 80 * 1024) },
      { comm: 'MainThread', cmdline: 'node cli.js dev', rollup: rollup(200 * 1024, 150 * 1024) },
      { comm: 'workerd', cmdline: PROXY, rollup: rollup(400 * 1024, 300 * 1024) },
      { comm: 'workerd', cmdline: RUNTIME, rollup: rollup(500 * 1024, 400 * 1024) },
      { comm: 'esbuild', cmdline: 'esbuild --service', rollup: rollup(40 * 1024, 30 * 1024) },
    ]);
    expect(memory).toEqual({
      groupMiB: 1240,
      wranglerMiB: 300,
      workerdMiB: 900,
      workerdAnonMiB: 700,
      workerdFileMiB: 200,
      proxyMiB: 400,
      runtimeMiB: 500,
      otherMiB: 40,
    });
  });

  it("tells wrangler's proxy workerd from the runtime by the runtime's inspector", () => {
    expect(edgeProcessKind('workerd', PROXY)).toBe('proxy');
    expect(edgeProcessKind('workerd', RUNTIME)).toBe('runtime');
    expect(edgeProcessKind('node', 'node wrangler.js')).toBe('wrangler');
    expect(edgeProcessKind('esbuild', 'esbuild --service')).toBe('other');
  });
});

describe('inspector replies', () => {
  it('keeps only /json/list targets that can be attached to', () => {
    const targets = inspectorTargets([
      { id: 'a', title: 'Cloudflare Worker', webSocketDebuggerUrl: 'ws://127.0.0.1:9229/ws' },
      { id: 'b' },
      null,
    ]);
    expect(targets.map((t) => t.webSocketDebuggerUrl)).toEqual(['ws://127.0.0.1:9229/ws']);
    expect(inspectorTargets({ error: 'no' })).toEqual([]);
  });

  it('reads Runtime.getHeapUsage for its own request id, in MiB', () => {
    const reply = JSON.stringify({ id: 2, result: { usedSize: 2546424, totalSize: 4952064 } });
    expect(heapUsageReply(reply, 2)).toEqual({ usedMiB: 2.4, totalMiB: 4.7 });
    expect(heapUsageReply(reply, 3)).toBeUndefined();
  });

  it('ignores events, errors and text that is not JSON', () => {
    expect(heapUsageReply('{"method":"Runtime.consoleAPICalled","params":{}}', 2)).toBeUndefined();
    expect(heapUsageReply('{"id":2,"error":{"code":-32601,"message":"not found"}}', 2)).toBeUndefined();
    expect(heapUsageReply('not json', 2)).toBeUndefined();
    expect(isReplyTo('{"id":2,"error":{"code":-32601}}', 2)).toBe(true);
    expect(isReplyTo('{"method":"Debugger.paused"}', 2)).toBe(false);
  });
});
