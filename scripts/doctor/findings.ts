/**
 * What `npm run doctor` reports: findings grouped per checked part, printed one line each, and the
 * exit status they add up to. Pure: builds strings, prints nothing.
 */
import { type ConfigIssue, formatConfigIssue } from '../../src/core/config/issue.ts';

/**
 * `error`: the service would refuse to start or answer 500 (doctor exits 1). `warn`: works, but is
 * probably not what the operator wants, or cannot be verified offline. `ok`: what was checked.
 */
export interface Finding {
  readonly level: 'error' | 'warn' | 'ok';
  readonly text: string;
}

/** One checked part (the edge for one wrangler environment, one shield env file). */
export interface Section {
  readonly title: string;
  readonly findings: readonly Finding[];
}

export const error = (issue: ConfigIssue): Finding => ({ level: 'error', text: formatConfigIssue(issue) });
export const warn = (text: string): Finding => ({ level: 'warn', text });
export const okay = (text: string): Finding => ({ level: 'ok', text });

/**
 * The report and its exit status (0: no errors, 1: at least one).
 *
 * @example render([{ title: 'edge', findings: [okay('config parsed')] }]).status // 0
 */
export function render(sections: readonly Section[]): { text: string; status: 0 | 1 } {
  const lines: string[] = [];
  let errors = 0;
  let warnings = 0;
  for (const section of sections) {
    lines.push(section.title);
    for (const f of section.findings) {
      if (f.level === 'error') errors++;
      if (f.level === 'warn') warnings++;
      lines.push(`  ${f.level.padEnd(5)}  ${f.text}`);
    }
  }
  const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`;
  lines.push(
    errors === 0
      ? `doctor: OK (${plural(warnings, 'warning')})`
      : `doctor: ${plural(errors, 'error')}, ${plural(warnings, 'warning')}: fix the errors before starting or deploying`,
  );
  return { text: `${lines.join('\n')}\n`, status: errors === 0 ? 0 : 1 };
}
