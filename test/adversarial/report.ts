/**
 * One row per adversarial category and the table they make (README "Security and reliability").
 * Test helper: formats only; no I/O, no assertions.
 */

export interface Row {
  /** What was tried, e.g. "tokens fuzzed: jwt". */
  readonly category: string;
  /** How many inputs (tokens, requests, playlists, connections…) were tried. */
  readonly tried: number;
  /** What counts against us, e.g. "accepted", "poisoned", "desyncs". */
  readonly badLabel: string;
  /** How many of them happened; the goal is always 0. */
  readonly bad: number;
  /** Extra facts worth a reader's time (what "tried" consisted of). */
  readonly note?: string;
  /**
   * Set when the row's own control failed: the attack it reports on did not really happen (e.g. the
   * slow-client attack was not held open), so a `bad` of 0 proves nothing and the row fails.
   */
  readonly controlFailed?: string;
}

/** Rows whose bad count missed the goal of 0, or whose control failed. */
export function failures(rows: readonly Row[]): Row[] {
  return rows.filter((r) => r.bad !== 0 || r.controlFailed !== undefined);
}

function verdict(row: Row): string {
  if (row.controlFailed !== undefined) return `**FAIL** (control: ${row.controlFailed})`;
  return row.bad === 0 ? 'pass' : '**FAIL**';
}

/** A Markdown table, one line per row, with the seed that reproduces it. */
export function formatTable(rows: readonly Row[], seed: number): string {
  const lines = [
    `| category | tried | outcome (goal 0) | result |`,
    `| --- | ---: | --- | --- |`,
    ...rows.map(
      (r) =>
        `| ${r.category} | ${r.tried.toLocaleString('en-US')} | ${r.bad} ${r.badLabel}${r.note ? ` (${r.note})` : ''} | ${verdict(r)} |`,
    ),
  ];
  return `${lines.join('\n')}\n\nseed ${seed}\n`;
}
