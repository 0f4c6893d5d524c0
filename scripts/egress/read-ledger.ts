/**
 * Loads egress records for the finance CLI: an NDJSON file, every *.ndjson / *.jsonl / *.log /
 * *.json file under a directory (ours or Logpush exports), or the local D1 ledger through
 * `wrangler d1 execute`. Node-only I/O; parsing is core (logpush.ts).
 */
import { spawnSync } from 'node:child_process';
import { readdir, readFile, stat } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fromOurs, type LineIssue, parseLedgerText } from '../../src/core/ledger/logpush.ts';
import type { EgressRecord } from '../../src/core/ledger/record.ts';

export interface LoadedLedger {
  readonly records: EgressRecord[];
  /** `file:line: message` for every skipped line. */
  readonly skipped: string[];
}

const LEDGER_FILE = /\.(ndjson|jsonl|log|json)$/;

/** @example await loadLedger('bench/out/egress.ndjson') */
export async function loadLedger(from: string, d1PersistTo?: string): Promise<LoadedLedger> {
  if (from === 'd1') return loadFromD1(d1PersistTo);
  const info = await stat(from);
  const files = info.isDirectory() ? await ledgerFiles(from) : [from];
  const records: EgressRecord[] = [];
  const skipped: string[] = [];
  for (const file of files) {
    const parsed = parseLedgerText(await readFile(file, 'utf8'));
    records.push(...parsed.records);
    skipped.push(...parsed.issues.map((i: LineIssue) => `${file}:${i.line}: ${i.message}`));
  }
  return { records, skipped };
}

async function ledgerFiles(dir: string): Promise<string[]> {
  const out: string[] = [];
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) out.push(...(await ledgerFiles(path)));
    else if (LEDGER_FILE.test(entry.name)) out.push(path);
  }
  return out.sort();
}

function loadFromD1(persistTo: string | undefined): LoadedLedger {
  const wrangler = join(
    dirname(createRequire(import.meta.url).resolve('wrangler/package.json')),
    'bin',
    'wrangler.js',
  );
  const args = [
    wrangler,
    'd1',
    'execute',
    'LEDGER',
    '--local',
    '--json',
    '--command',
    'SELECT * FROM egress_records',
  ];
  if (persistTo) args.push('--persist-to', persistTo);
  const run = spawnSync(process.execPath, args, { encoding: 'utf8', maxBuffer: 1 << 30 });
  if (run.status !== 0) throw new Error(`wrangler d1 execute failed: ${run.stderr || run.stdout}`);
  const result = JSON.parse(run.stdout) as { results?: Record<string, unknown>[] }[];
  const records: EgressRecord[] = [];
  const skipped: string[] = [];
  for (const [i, row] of (result[0]?.results ?? []).entries()) {
    const r = fromOurs(rowToJson(row));
    if (typeof r === 'string') skipped.push(`d1 row ${i + 1}: ${r}`);
    else records.push(r);
  }
  return { records, skipped };
}

/** D1 rows store `cmcd` as JSON text and booleans as 0/1; everything else is already in shape. */
export function rowToJson(row: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(row)) if (v !== null) out[k] = v;
  if (typeof row.cmcd === 'string') {
    try {
      out.cmcd = JSON.parse(row.cmcd);
    } catch {
      delete out.cmcd;
    }
  }
  out.aborted = row.aborted === 1;
  return out;
}
